#!/usr/bin/python3
"""scikit-learn's side of bench/models (npm run bench:models), timed in this process so the
interpreter's start, imports and reading the CSV do not count. Prints JSON.

  telco FILE.csv FOLDS.json: the IBM Telco churn table (label Churn, id customerID) with the
      standard preprocessing: numeric columns (SeniorCitizen, tenure, MonthlyCharges, TotalCharges,
      whose blanks become NaN) median-imputed and StandardScaler'd, every other column one-hot
      (OneHotEncoder(handle_unknown="ignore")), then LogisticRegression(C=1, max_iter=1000). Cross-
      validated on the folds Tailor assigned (FOLDS.json: one fold number per row, in file order):
      each fold's AUC and their mean, the Brier score of all held-out predictions, the fit times;
      then one fit on every row, the fastest of BENCH_REPEATS.
  synthetic FILE.csv: the generated table (label y, id id; columns n* numeric, c* categorical),
      same pipeline fitted once on every row: seconds, peak RSS, and predict_proba's throughput."""
import csv
import json
import os
import resource
import sys
import time

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def read(path, label, id_column, numeric):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in rows[0] if c not in (label, id_column)]
    X = np.empty((len(rows), len(columns)), dtype=object)
    for i, row in enumerate(rows):
        for j, c in enumerate(columns):
            cell = row[c].strip()
            X[i, j] = (float(cell) if cell else np.nan) if c in numeric else cell
    y = np.array([1 if row[label].strip().lower() in ("1", "yes", "true") else 0 for row in rows])
    return X, y, columns


def pipeline(columns, numeric):
    num = [j for j, c in enumerate(columns) if c in numeric]
    cat = [j for j, c in enumerate(columns) if c not in numeric]
    prepare = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
            ("cat", OneHotEncoder(handle_unknown="ignore"), cat),
        ]
    )
    return Pipeline([("prepare", prepare), ("model", LogisticRegression(C=1.0, max_iter=1000))])


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux


def telco(path, folds_path, repeats):
    numeric = {"SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"}
    X, y, columns = read(path, "Churn", "customerID", numeric)
    with open(folds_path, encoding="utf-8") as f:
        folds = np.array(json.load(f))
    k = int(folds.max()) + 1
    held = np.zeros(len(y))
    fold_aucs, fit_seconds, fit_cpu, iterations = [], [], [], []
    for f in range(k):
        train, test = folds != f, folds == f
        t, c = time.perf_counter(), time.process_time()
        model = pipeline(columns, numeric).fit(X[train], y[train])
        fit_seconds.append(time.perf_counter() - t)
        fit_cpu.append(time.process_time() - c)
        iterations.append(int(model.named_steps["model"].n_iter_[0]))
        held[test] = model.predict_proba(X[test])[:, 1]
        fold_aucs.append(float(roc_auc_score(y[test], held[test])))
    full, full_cpu = float("inf"), float("inf")
    for _ in range(repeats):  # each the least of the repeats
        t, c = time.perf_counter(), time.process_time()
        pipeline(columns, numeric).fit(X, y)
        full = min(full, time.perf_counter() - t)
        full_cpu = min(full_cpu, time.process_time() - c)
    return {
        "rows": len(y),
        "positives": int(y.sum()),
        "auc": float(np.mean(fold_aucs)),
        "foldAucs": fold_aucs,
        "pooledAuc": float(roc_auc_score(y, held)),
        "brier": float(brier_score_loss(y, held)),
        "cvFitSeconds": float(sum(fit_seconds)),
        "cvFitCpuSeconds": float(sum(fit_cpu)),
        "fitSeconds": full,
        "fitCpuSeconds": full_cpu,
        "iterations": iterations,
    }


def synthetic(path):
    with open(path, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    numeric = {c for c in header if c.startswith("n")}
    X, y, columns = read(path, "y", "id", numeric)
    before = max_rss_mb()
    t, c = time.perf_counter(), time.process_time()
    model = pipeline(columns, numeric).fit(X, y)
    fit_seconds, fit_cpu = time.perf_counter() - t, time.process_time() - c
    peak = max_rss_mb()
    t, c = time.perf_counter(), time.process_time()
    p = model.predict_proba(X)[:, 1]
    score_seconds, score_cpu = time.perf_counter() - t, time.process_time() - c
    # Trees on the same prepared inputs, Tailor's settings (100 trees of depth 3, 20 rows a leaf).
    prepared = model.named_steps["prepare"].transform(X)
    prepared = prepared.toarray() if hasattr(prepared, "toarray") else prepared
    trees = {}
    t, c = time.perf_counter(), time.process_time()
    hist = HistGradientBoostingClassifier(max_iter=100, max_depth=3, learning_rate=0.1,
                                          min_samples_leaf=20, max_leaf_nodes=None,
                                          early_stopping=False).fit(prepared, y)
    trees["histSeconds"], trees["histCpuSeconds"] = time.perf_counter() - t, time.process_time() - c
    c = time.process_time()
    hist.predict_proba(prepared)
    trees["histScoreRowsPerCpuSecond"] = len(y) / (time.process_time() - c)
    if os.environ.get("BENCH_SKLEARN_GBC", "1") != "0":
        t, c = time.perf_counter(), time.process_time()
        GradientBoostingClassifier(n_estimators=100, max_depth=3, learning_rate=0.1,
                                   min_samples_leaf=20, random_state=0).fit(prepared, y)
        trees["gbcSeconds"], trees["gbcCpuSeconds"] = time.perf_counter() - t, time.process_time() - c
    return {
        **trees,
        "rows": len(y),
        "inputs": int(model.named_steps["model"].coef_.shape[1]),
        "fitSeconds": fit_seconds,
        "fitCpuSeconds": fit_cpu,
        "iterations": int(model.named_steps["model"].n_iter_[0]),
        "maxRssBeforeFitMb": before,  # MB, as the bench prints Node's
        "maxRssMb": peak,
        "trainAuc": float(roc_auc_score(y, p)),
        "scoreRowsPerSecond": len(y) / score_seconds,
        "scoreRowsPerCpuSecond": len(y) / score_cpu,
    }


def main():
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    out = {"sklearn": sklearn.__version__, "numpy": np.__version__}
    if sys.argv[1] == "telco":
        out["telco"] = telco(sys.argv[2], sys.argv[3], repeats)
    else:
        out["synthetic"] = synthetic(sys.argv[2])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
