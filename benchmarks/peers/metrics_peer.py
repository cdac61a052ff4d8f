"""Peer for benchmarks/metrics.ts: scikit-learn's metrics and a dense preprocessing pipeline on the same data.

Usage: python3 metrics_peer.py SPEC.json
SPEC: {"dir": tmpdir, "repeats": R, "cases": [{"id", "task", "n", "k", "metrics": [...]}],
       "encoder": {"n", "n_numeric", "n_categorical", "max_categories"} | null}
Files in dir: <id>_y.f64 (n), <id>_pred.f64 (row-major n x k); enc_num.f64 (row-major n x n_numeric, NaN =
missing), enc_cat.f64 (row-major n x n_categorical category codes, NaN = missing).
Prints one JSON object: {"metrics": {"<id>/<metric>": {"value", "seconds"}}, "encoder": {"seconds", "width"}},
seconds = the median of R runs.
"""
import json
import os
import statistics
import sys
import time

import numpy as np


def timed(fn, repeats):
    times = []
    value = None
    for _ in range(repeats):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return value, statistics.median(times)


def metric_fn(name, task, y, pred):
    from sklearn import metrics as m

    if task == "regression":
        return {
            "rmse": lambda: float(np.sqrt(m.mean_squared_error(y, pred))),
            "mae": lambda: float(m.mean_absolute_error(y, pred)),
            "r2": lambda: float(m.r2_score(y, pred)),
        }[name]
    labels = np.arange(pred.shape[1])
    # The label metrics include the argmax, as ours do.
    return {
        "accuracy": lambda: float(m.accuracy_score(y, pred.argmax(axis=1))),
        "balanced_accuracy": lambda: float(m.balanced_accuracy_score(y, pred.argmax(axis=1))),
        "f1": lambda: float(m.f1_score(y, pred.argmax(axis=1))),
        "f1_macro": lambda: float(m.f1_score(y, pred.argmax(axis=1), average="macro")),
        "log_loss": lambda: float(m.log_loss(y, pred, labels=labels)),
        "roc_auc": (lambda: float(m.roc_auc_score(y, pred[:, 1]))) if task == "binary"
        else (lambda: float(m.roc_auc_score(y, pred, multi_class="ovr", average="macro", labels=labels))),
    }[name]


def run_encoder(spec, repeats):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    e = spec["encoder"]
    n, dn, dc = e["n"], e["n_numeric"], e["n_categorical"]
    num = np.fromfile(os.path.join(spec["dir"], "enc_num.f64"), dtype="<f8").reshape(n, dn)
    cat = np.fromfile(os.path.join(spec["dir"], "enc_cat.f64"), dtype="<f8").reshape(n, dc)
    x = np.hstack([num, cat])

    def fit_transform():
        numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
        categorical = make_pipeline(
            SimpleImputer(strategy="most_frequent"),
            OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=e["max_categories"] + 1),
        )
        ct = ColumnTransformer([("num", numeric, list(range(dn))), ("cat", categorical, list(range(dn, dn + dc)))],
                               sparse_threshold=0)
        return ct.fit_transform(x)

    out, seconds = timed(fit_transform, repeats)
    return {"seconds": seconds, "width": int(out.shape[1])}


def main():
    with open(sys.argv[1]) as fh:
        spec = json.load(fh)
    repeats = spec["repeats"]
    result = {"metrics": {}, "encoder": None}
    for case in spec["cases"]:
        y = np.fromfile(os.path.join(spec["dir"], f"{case['id']}_y.f64"), dtype="<f8")
        pred = np.fromfile(os.path.join(spec["dir"], f"{case['id']}_pred.f64"), dtype="<f8")
        if case["task"] != "regression":
            y = y.astype(int)
            pred = pred.reshape(case["n"], case["k"])
        for name in case["metrics"]:
            value, seconds = timed(metric_fn(name, case["task"], y, pred), repeats)
            result["metrics"][f"{case['id']}/{name}"] = {"value": value, "seconds": seconds}
    if spec.get("encoder"):
        result["encoder"] = run_encoder(spec, repeats)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
