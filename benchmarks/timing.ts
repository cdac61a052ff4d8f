/** Timing helpers shared by the speed benchmarks. */

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Median wall time (ms) of `fn` over repeated calls within about `seconds` (at least 5 calls), after a warm-up, and
 * the mean process CPU time per call (less disturbed than wall time when other processes share the cores).
 */
export function timeIt(fn: () => void, seconds: number): { wall: number; cpu: number } {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  while (times.length < 5 || (performance.now() < end && times.length < 5000)) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: median(times), cpu: (cpu.user + cpu.system) / 1000 / times.length };
}
