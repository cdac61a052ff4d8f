/**
 * Tables about runs that several commands print: the leaderboard of trials, an ensemble's members, the runs of a
 * database.
 */
import type { AutoEnsembleResult, EnsembleMemberSummary } from '../api/types.js';
import type { Config } from '../models/types.js';
import type { EnsembleRecord, RunRecord, TrialRecord } from '../store/types.js';
import { ownerState } from '../training/run.js';
import { formatConfig, formatScore, formatTable } from './format.js';

/** One row of a leaderboard, whether from a result (LeaderboardEntry) or the store (TrialRecord). */
export interface LeaderboardRow {
  readonly trial: number;
  readonly family: string;
  readonly config: Config;
  readonly validationScore: number;
  readonly fitSeconds: number;
}

export function leaderboardRowOf(t: TrialRecord): LeaderboardRow {
  return { trial: t.number, family: t.family, config: t.config, validationScore: t.validationScore ?? NaN, fitSeconds: t.fitSeconds ?? NaN };
}

/** Ranked trials, best first: rank, trial number, family, score by `metric`, fit seconds, configuration. */
export function formatLeaderboard(rows: readonly LeaderboardRow[], metric: string): string {
  return formatTable(
    ['rank', 'trial', 'family', metric, 'fit s', 'config'],
    rows.map((r, i) => [
      String(i + 1),
      String(r.trial),
      r.family,
      formatScore(r.validationScore),
      Number.isFinite(r.fitSeconds) ? r.fitSeconds.toFixed(1) : '-',
      formatConfig(r.config),
    ]),
  );
}

/**
 * The members of an ensemble, heaviest first: trial (store id), family, weight, the member's own validation score.
 * `trialNumbers` maps store trial ids to trial numbers when known (as shown in the leaderboard).
 */
export function formatMembers(members: readonly EnsembleMemberSummary[], metric: string, trialNumbers?: ReadonlyMap<number, number>): string {
  const sorted = [...members].sort((a, b) => b.weight - a.weight);
  return formatTable(
    ['trial', 'family', 'weight', metric, 'config'],
    sorted.map((m) => [
      String(trialNumbers?.get(m.trialId) ?? m.trialId),
      m.family,
      m.weight.toFixed(3),
      formatScore(m.validationScore),
      formatConfig(m.config),
    ]),
  );
}

/** A run as shown by `runs` (and as its JSON). */
export interface RunListing {
  readonly id: number;
  readonly dataset: string;
  readonly task: string;
  readonly metric: string;
  readonly status: string;
  readonly rows: number;
  readonly trials: { readonly done: number; readonly failed: number; readonly pruned: number; readonly total: number };
  readonly bestScore: number | null;
  readonly ensembles: readonly { readonly id: number; readonly method: string; readonly validationScore: number }[];
  readonly createdAt: string;
  readonly error: string | null;
}

export function runListingOf(run: RunRecord, trials: readonly TrialRecord[], best: TrialRecord | undefined, ensembles: readonly EnsembleRecord[]): RunListing {
  return {
    id: run.id,
    dataset: run.datasetName,
    task: run.task,
    metric: run.metric,
    // A run left 'running' by a process that is gone is interrupted: `fit --resume` continues it.
    status: ownerState(run) === 'dead' ? 'interrupted' : run.status,
    rows: run.nRows,
    trials: {
      done: trials.filter((t) => t.status === 'done').length,
      failed: trials.filter((t) => t.status === 'failed' || t.status === 'timeout').length,
      pruned: trials.filter((t) => t.status === 'pruned').length,
      total: trials.length,
    },
    bestScore: best?.validationScore ?? null,
    ensembles: ensembles.map((e) => ({ id: e.id, method: e.method, validationScore: e.validationScore })),
    createdAt: new Date(run.createdAt).toISOString(),
    error: run.error,
  };
}

export function formatRuns(runs: readonly RunListing[]): string {
  return formatTable(
    ['run', 'dataset', 'task', 'metric', 'status', 'trials', 'failed', 'best', 'ensemble', 'created'],
    runs.map((r) => {
      const last = r.ensembles[r.ensembles.length - 1];
      return [
        String(r.id),
        r.dataset,
        r.task,
        r.metric,
        r.status,
        String(r.trials.done),
        String(r.trials.failed),
        formatScore(r.bestScore),
        last === undefined ? '-' : `${last.method} ${formatScore(last.validationScore)}`,
        r.createdAt.replace('T', ' ').slice(0, 16),
      ];
    }),
  );
}

/** An ensemble built or loaded for a run: method, members table, validation score. */
export function formatEnsembleResult(result: AutoEnsembleResult): string {
  const trialNumbers = new Map(result.leaderboard.map((e) => [e.trialId, e.trial]));
  const n = result.members.length;
  return [
    `ensemble: ${result.ensemble.method}, ${n} member${n === 1 ? '' : 's'}`,
    formatMembers(result.members, result.metric, trialNumbers),
    '',
    `validation ${result.metric}  ${formatScore(result.validationScore)}` +
      (result.leaderboard[0] === undefined ? '' : `  (best single member ${formatScore(result.leaderboard[0].validationScore)})`),
  ].join('\n');
}

/** The ensembles of a run, oldest first, to compare methods. */
export function formatEnsembles(ensembles: readonly EnsembleRecord[], metric: string): string {
  return formatTable(
    ['ensemble', 'method', 'members', metric, 'created'],
    ensembles.map((e) => [
      String(e.id),
      e.method,
      String(e.combiner.memberIds.length),
      formatScore(e.validationScore),
      new Date(e.createdAt).toISOString().replace('T', ' ').slice(0, 19),
    ]),
  );
}

/**
 * What the deployment form kept, members named by trial number as in the tables:
 * "deploy small: 4 of 5 members (3 refit, 1 with its fold models), trial 6 gbdt trees 130 -> 25".
 */
export function deploymentText(result: AutoEnsembleResult): string {
  const members = result.ensemble.members;
  const d = result.ensemble.deployment;
  if (d === undefined) return `deploy exact: ${members.length} members x ${members[0]?.models.length ?? 0} fold models`;
  const trialOf = new Map(result.leaderboard.map((t) => [t.trialId, t.trial]));
  const refit = members.filter((m) => m.models.length === 1).length;
  const kept = refit === members.length ? `${refit} refit` : `${refit} refit, ${members.length - refit} with ${members.length - refit === 1 ? 'its' : 'their'} fold models`;
  const trims = d.trimmedTrees.map((t) => {
    const family = members.find((m) => m.id === t.id)?.family ?? '';
    return `trial ${trialOf.get(t.id) ?? `id ${t.id}`} ${family} trees ${t.from} -> ${t.trees}`;
  });
  return [`deploy ${d.form}: ${members.length} of ${members.length + d.droppedMembers.length} members (${kept})`, ...trims].join(', ');
}
