"""Peers for the benchmark suites: scikit-learn RandomForest and HistGradientBoosting, and XGBoost, each with its
default hyperparameters, on the same data files and split files as `auto-ensemble bench`, appending rows to the
same result CSV (same columns; resumable: a (task, framework, fold) already in the file is skipped).

Usage: /usr/bin/python3 amlb_peers.py MANIFEST.json
The manifest is written by src/bench/peers.ts (`auto-ensemble bench --peers`): result file path, CSV columns,
folds to run, seed, frameworks and per task the cached ARFF data file, the OpenML split file, the target, the class
order and the feature columns auto-ensemble keeps (so every method sees the same features).

Preprocessing (the least each library needs): nominal features become ordinal codes in their declared order
(missing = NaN); RandomForest gets median / most-frequent imputation (scikit-learn 1.2 forests reject NaN);
HistGradientBoosting gets the nominal columns as native categorical features; XGBoost takes NaN as missing.
A class absent from a fold's training rows gets probability 0. Metrics use scikit-learn; a failed fit is scored as
the constant predictor (class priors / mean), as the AutoML Benchmark does.
"""
import csv
import json
import os
import sys
import time
from datetime import datetime, timezone

import numpy as np
from sklearn.externals import _arff
from sklearn.metrics import accuracy_score, balanced_accuracy_score, log_loss, mean_absolute_error, r2_score, roc_auc_score


def read_arff(path):
    with open(path, encoding="utf-8") as f:
        return _arff.load(f, encode_nominal=False, return_type=_arff.DENSE)


def load_task(task):
    doc = read_arff(task["data"])
    names = [a[0] for a in doc["attributes"]]
    rows = doc["data"]
    columns, nominal = [], []
    for feature in task["features"]:
        j = names.index(feature)
        kind = doc["attributes"][j][1]
        if isinstance(kind, list):
            code = {v: i for i, v in enumerate(kind)}
            columns.append([np.nan if r[j] is None else code[r[j]] for r in rows])
            nominal.append(True)
        else:
            columns.append([np.nan if r[j] is None else float(r[j]) for r in rows])
            nominal.append(False)
    x = np.array(columns, dtype=np.float64).T if columns else np.zeros((len(rows), 0))
    t = names.index(task["target"])
    if task["type"] == "regression":
        y = np.array([float(r[t]) for r in rows])
    else:
        code = {c: i for i, c in enumerate(task["classes"])}
        y = np.array([code[str(r[t])] for r in rows], dtype=np.int64)
    return x, y, np.array(nominal, dtype=bool)


def load_splits(path):
    doc = read_arff(path)
    names = [a[0].lower() for a in doc["attributes"]]
    it, ir, irep, ifold = names.index("type"), names.index("rowid"), names.index("repeat"), names.index("fold")
    folds = {}
    for r in doc["data"]:
        if int(float(r[irep])) != 0:
            continue
        f = folds.setdefault(int(float(r[ifold])), {"TRAIN": [], "TEST": []})
        f[r[it]].append(int(float(r[ir])))
    return {k: (np.array(sorted(v["TRAIN"])), np.array(sorted(v["TEST"]))) for k, v in folds.items()}


def make_model(framework, task_type, nominal, seed):
    regression = task_type == "regression"
    if framework == "sklearn-RF":
        from sklearn.compose import ColumnTransformer
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline

        impute = ColumnTransformer(
            [("num", SimpleImputer(strategy="median"), ~nominal), ("cat", SimpleImputer(strategy="most_frequent"), nominal)]
        )
        forest = RandomForestRegressor(random_state=seed, n_jobs=1) if regression else RandomForestClassifier(random_state=seed, n_jobs=1)
        return make_pipeline(impute, forest)
    if framework == "sklearn-HGB":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        cats = nominal if nominal.any() else None
        cls = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
        return cls(random_state=seed, categorical_features=cats)
    if framework == "XGBoost":
        import xgboost as xgb

        cls = xgb.XGBRegressor if regression else xgb.XGBClassifier
        return cls(random_state=seed, n_jobs=1)
    raise ValueError(f"unknown peer framework {framework}")


def hgb_categorical_mask(x, nominal, train):
    """HistGradientBoosting rejects categorical columns with more than 255 categories: treat those as numeric."""
    fixed = nominal.copy()
    for j in np.flatnonzero(nominal):
        col = x[train, j]
        if np.nanmax(col, initial=0) >= 255:
            fixed[j] = False
    return fixed


def fit_predict(framework, task_type, x, y, nominal, train, test, k, seed):
    if framework == "sklearn-HGB":
        nominal = hgb_categorical_mask(x, nominal, train)
    model = make_model(framework, task_type, nominal, seed)
    xtr, ytr = x[train], y[train]
    if task_type == "regression":
        t0 = time.perf_counter()
        model.fit(xtr, ytr)
        t1 = time.perf_counter()
        pred = model.predict(x[test])
        return pred, t1 - t0, time.perf_counter() - t1
    # Labels as 0..m-1 over the classes present in the training rows (XGBoost needs that), expanded back to k.
    present = np.unique(ytr)
    remap = {c: i for i, c in enumerate(present)}
    t0 = time.perf_counter()
    model.fit(xtr, np.array([remap[c] for c in ytr]))
    t1 = time.perf_counter()
    proba = model.predict_proba(x[test])
    predict_seconds = time.perf_counter() - t1
    full = np.zeros((len(test), k))
    full[:, present] = proba
    return full, t1 - t0, predict_seconds


def constant_prediction(task_type, y, train, n_test, k):
    if task_type == "regression":
        return np.full(n_test, y[train].mean())
    priors = np.bincount(y[train], minlength=k) / len(train)
    return np.tile(priors, (n_test, 1))


def macro_ovr_auc(y, proba, k):
    """Mean one-vs-rest AUC over the classes present in y (as src/metrics/roc-auc.ts)."""
    scores = [roc_auc_score(y == c, proba[:, c]) for c in range(k) if 0 < (y == c).sum() < len(y)]
    return float(np.mean(scores)) if scores else None


def score(task_type, y, pred, k):
    if task_type == "regression":
        rmse = float(np.sqrt(np.mean((y - pred) ** 2)))
        return {"result": -rmse, "metric": "neg_rmse", "rmse": rmse, "r2": r2_score(y, pred), "mae": mean_absolute_error(y, pred)}
    labels = np.argmax(pred, axis=1)
    ll = log_loss(y, pred, labels=list(range(k)))
    out = {"acc": accuracy_score(y, labels), "balacc": balanced_accuracy_score(y, labels), "logloss": ll}
    if task_type == "binary":
        out["auc"] = roc_auc_score(y, pred[:, 1])
        out.update(result=out["auc"], metric="auc")
    else:
        out["auc"] = macro_ovr_auc(y, pred, k)
        out.update(result=-ll, metric="neg_logloss")
    return out


def finished(path):
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return set()
    with open(path, newline="", encoding="utf-8") as f:
        return {(r["task"], r["framework"], r["constraint"], r["fold"]) for r in csv.DictReader(f)}


def append(path, columns, row):
    new = not os.path.exists(path) or os.path.getsize(path) == 0
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "a", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        if new:
            w.writeheader()
        w.writerow({c: ("" if row.get(c) is None else row[c]) for c in columns})


def versions():
    import sklearn
    import xgboost

    return {"sklearn-RF": sklearn.__version__, "sklearn-HGB": sklearn.__version__, "XGBoost": xgboost.__version__}


def main():
    manifest = json.load(open(sys.argv[1], encoding="utf-8"))
    out, columns = manifest["out"], manifest["columns"]
    done = finished(out)
    version = versions()
    written = 0
    for task in manifest["tasks"]:
        todo = [
            (fold, fw)
            for fold in range(manifest["folds"])
            for fw in manifest["frameworks"]
            if (task["name"], fw, "none", str(fold)) not in done
        ]
        if not todo:
            continue
        x, y, nominal = load_task(task)
        splits = load_splits(task["splits"])
        k = len(task["classes"]) if task["type"] != "regression" else 1
        for fold, fw in todo:
            train, test = splits[fold]
            seed = manifest["seed"] + fold
            row = {
                "id": task["id"], "task": task["name"], "framework": fw, "constraint": "none", "fold": fold,
                "type": task["type"], "mode": "local", "version": version[fw], "app_version": manifest["app_version"],
                "params": json.dumps({"splits": manifest["splits"], "train_rows": len(train), "test_rows": len(test), "defaults": True, "n_jobs": 1}),
                "seed": seed, "models_count": 1, "trials": 0, "ensemble_size": 1,
            }
            t0 = time.perf_counter()
            try:
                pred, train_s, predict_s = fit_predict(fw, task["type"], x, y, nominal, train, test, k, seed)
                row.update(score(task["type"], y[test], pred, k), training_duration=round(train_s, 4), predict_duration=round(predict_s, 4))
            except Exception as e:  # the AMLB rule: a failed run scores as the constant predictor
                pred = constant_prediction(task["type"], y, train, len(test), k)
                row.update(score(task["type"], y[test], pred, k))
                row["info"] = f"failed: {type(e).__name__}: {e} (scored as the constant predictor)"[:500]
            row["duration"] = round(time.perf_counter() - t0, 4)
            row["utc"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
            append(out, columns, row)
            written += 1
            print(f"peer {task['name']} fold {fold} {fw}: {row['metric']} {row['result']:.4f} ({row['duration']:.1f} s)", flush=True)
    print(f"peers: {written} row(s) appended to {out}" + ("" if written else " (every peer cell was already there)"), flush=True)


if __name__ == "__main__":
    main()
