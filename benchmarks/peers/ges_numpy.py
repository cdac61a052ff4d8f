"""NumPy peer for benchmarks/ensemble-selection.ts: greedy ensemble selection (Caruana 2004) with a running sum.

Usage: ges_numpy.py SPEC.json   (written by the benchmark; the data are raw little-endian arrays beside it)
Prints one JSON object: per variant, the median seconds of the greedy loop, the chosen members and final loss.

Variants
- "straightforward": per candidate, the averaged n x k matrix (running sum + member) / count, scored as
  scikit-learn's log_loss does (clip, renormalize rows, -mean log p(true class)), all vectorized.
- "true_class": the same selection, scoring only the true-class column and row sums (the trick our fast path
  uses), to show how much of the gap is the algorithm and how much the runtime.
"""
import json
import sys
import time

import numpy as np

EPS = 1e-15


def ges_straightforward(P, y, rounds):
    m, n, k = P.shape
    rows = np.arange(n)
    S = np.zeros((n, k))
    picks, losses = [], []
    for r in range(rounds):
        scores = np.empty(m)
        for j in range(m):
            ens = (S + P[j]) / (r + 1)
            p = np.clip(ens, EPS, 1 - EPS)
            p /= p.sum(axis=1, keepdims=True)
            scores[j] = -np.log(p[rows, y]).mean()
        best = int(np.argmin(scores))
        S += P[best]
        picks.append(best)
        losses.append(float(scores[best]))
    return picks, losses


def ges_true_class(P, y, rounds):
    m, n, k = P.shape
    rows = np.arange(n)
    T = P[:, rows, y]  # m x n true-class probabilities
    R = P.sum(axis=2)  # m x n row sums
    St = np.zeros(n)
    Sr = np.zeros(n)
    picks, losses = [], []
    for _ in range(rounds):
        p = np.maximum((St[None, :] + T) / (Sr[None, :] + R), EPS)
        scores = -np.log(p).mean(axis=1)
        best = int(np.argmin(scores))
        St += T[best]
        Sr += R[best]
        picks.append(best)
        losses.append(float(scores[best]))
    return picks, losses


def main():
    spec = json.load(open(sys.argv[1]))
    m, n, k, rounds, repeats = spec["members"], spec["rows"], spec["classes"], spec["rounds"], spec["repeats"]
    P = np.fromfile(spec["predictions"], dtype="<f8").reshape(m, n, k)
    y = np.fromfile(spec["labels"], dtype="<i4").astype(np.int64)
    out = {"numpy": np.__version__}
    for name, fn in (("straightforward", ges_straightforward), ("true_class", ges_true_class)):
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            picks, losses = fn(P, y, rounds)
            times.append(time.perf_counter() - t)
        out[name] = {"seconds": float(np.median(times)), "picks": picks, "final_loss": losses[-1]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
