"""Peer learners for benchmarks/members.ts: XGBoost `hist` and scikit-learn random forests on the same data.

Usage: python3 members_peer.py SPEC.json
SPEC: {"dir": tmpdir, "task": "binary"|"multiclass"|"regression", "n_train", "n_test", "d", "n_classes",
       "seed", "models": ["xgboost", "sklearn_rf", ...], "xgboost": {...params}, "sklearn_rf": {...params}}
Files in dir: train_x.f64 (row-major n_train x d, NaN = missing), train_y.f64, test_x.f64.
Writes pred_<model>.f64 (row-major n_test x k: probabilities, or values for regression) and prints one JSON
object {model: {"train_seconds": wall, "cpu_seconds": process CPU} | {"skipped": reason}}.
"""
import json
import os
import sys
import time

import numpy as np


def load(spec, name, rows, cols):
    a = np.fromfile(os.path.join(spec["dir"], name), dtype="<f8")
    return a.reshape(rows, cols) if cols > 1 else a


def run_xgboost(spec, xtr, ytr, xte):
    import xgboost as xgb

    p = spec.get("xgboost", {})
    common = dict(
        tree_method="hist", n_jobs=1, n_estimators=p.get("n_estimators", 100), max_depth=p.get("max_depth", 6),
        max_bin=p.get("max_bin", 255), learning_rate=p.get("learning_rate", 0.1), random_state=spec["seed"],
    )
    task = spec["task"]
    if task == "regression":
        model = xgb.XGBRegressor(**common)
    else:
        model = xgb.XGBClassifier(**common)
    t, c = time.perf_counter(), time.process_time()
    model.fit(xtr, ytr)
    elapsed = (time.perf_counter() - t, time.process_time() - c)
    pred = model.predict(xte) if task == "regression" else model.predict_proba(xte)
    return elapsed, pred


def run_sklearn_forest(spec, xtr, ytr, xte, extra):
    from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier,
                                  RandomForestRegressor)

    p = spec.get("sklearn_et" if extra else "sklearn_rf", {})
    # scikit-learn 1.2 forests do not accept NaN: impute with a value below every feature.
    xtr = np.where(np.isnan(xtr), -1e30, xtr)
    xte = np.where(np.isnan(xte), -1e30, xte)
    kw = dict(n_estimators=p.get("n_estimators", 100), n_jobs=1, random_state=spec["seed"])
    if spec["task"] == "regression":
        model = (ExtraTreesRegressor if extra else RandomForestRegressor)(**kw)
    else:
        model = (ExtraTreesClassifier if extra else RandomForestClassifier)(**kw)
    t, c = time.perf_counter(), time.process_time()
    model.fit(xtr, ytr)
    elapsed = (time.perf_counter() - t, time.process_time() - c)
    if spec["task"] == "regression":
        return elapsed, model.predict(xte)
    proba = model.predict_proba(xte)
    full = np.zeros((xte.shape[0], spec["n_classes"]))
    full[:, model.classes_.astype(int)] = proba
    return elapsed, full


def main():
    with open(sys.argv[1]) as fh:
        spec = json.load(fh)
    d = spec["d"]
    xtr = load(spec, "train_x.f64", spec["n_train"], d)
    ytr = load(spec, "train_y.f64", spec["n_train"], 1)
    xte = load(spec, "test_x.f64", spec["n_test"], d)
    if spec["task"] != "regression":
        ytr = ytr.astype(int)
    out = {}
    for name in spec["models"]:
        try:
            if name == "xgboost":
                elapsed, pred = run_xgboost(spec, xtr, ytr, xte)
            elif name in ("sklearn_rf", "sklearn_et"):
                elapsed, pred = run_sklearn_forest(spec, xtr, ytr, xte, name == "sklearn_et")
            else:
                out[name] = {"skipped": "unknown peer"}
                continue
        except ImportError as e:
            out[name] = {"skipped": f"not installed: {e}"}
            continue
        np.ascontiguousarray(pred, dtype="<f8").tofile(os.path.join(spec["dir"], f"pred_{name}.f64"))
        out[name] = {"train_seconds": elapsed[0], "cpu_seconds": elapsed[1]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
