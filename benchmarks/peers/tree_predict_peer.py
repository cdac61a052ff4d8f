"""Peer for benchmarks/tree-predict.ts: scikit-learn's tree ensembles predicting the same rows, one thread.

Usage: OMP_NUM_THREADS=1 python3 tree_predict_peer.py SPEC.json
SPEC: {"dir": tmpdir, "n": rows, "d": features, "categorical": [bool per feature], "seconds": time per measurement,
       "models": {"random_forest": {...}, "extra_trees": {...}, "gbdt": {...}}}
Files in dir: x.f64 (row-major n x d, NaN = missing), y.f64 (class codes 0/1). Each model is trained on all rows and
times predict_proba on all rows (batch) and on the first row (single). Prints one JSON object
{model: {"nodes": int, "batch_ms": median, "single_ms": median} | {"skipped": reason}}.
"""
import json
import os
import sys
import time

import numpy as np


def median_ms(fn, seconds):
    fn()
    times = []
    end = time.perf_counter() + seconds
    while len(times) < 5 or (time.perf_counter() < end and len(times) < 2000):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


def build(name, p, categorical):
    from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier, RandomForestClassifier

    if name == "random_forest":
        return RandomForestClassifier(n_estimators=p["n_trees"], max_features=p["max_features"], min_samples_leaf=1, n_jobs=1, random_state=1)
    if name == "extra_trees":
        return ExtraTreesClassifier(n_estimators=p["n_trees"], max_features=p["max_features"], min_samples_leaf=1, n_jobs=1, random_state=1)
    return HistGradientBoostingClassifier(
        max_iter=p["n_rounds"], max_depth=p["max_depth"], max_leaf_nodes=None, learning_rate=p["learning_rate"],
        min_samples_leaf=p["min_samples_leaf"], early_stopping=False, categorical_features=np.array(categorical), random_state=1,
    )


def node_count(model):
    if hasattr(model, "estimators_"):
        return int(sum(e.tree_.node_count for e in model.estimators_))
    return int(sum(len(p.nodes) for it in model._predictors for p in it))


def main():
    spec = json.load(open(sys.argv[1]))
    n, d = spec["n"], spec["d"]
    x = np.fromfile(os.path.join(spec["dir"], "x.f64"), dtype="<f8").reshape(n, d)
    y = np.fromfile(os.path.join(spec["dir"], "y.f64"), dtype="<f8").astype(int)
    out = {}
    for name, p in spec["models"].items():
        try:
            model = build(name, p, spec["categorical"]).fit(x, y)
        except Exception as e:  # an older scikit-learn without an option: report, do not fail the benchmark
            out[name] = {"skipped": f"{type(e).__name__}: {e}"}
            continue
        one = x[:1]
        out[name] = {
            "nodes": node_count(model),
            "batch_ms": median_ms(lambda: model.predict_proba(x), spec["seconds"]),
            "single_ms": median_ms(lambda: model.predict_proba(one), spec["seconds"] / 2),
        }
    print(json.dumps(out))


main()
