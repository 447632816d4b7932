#!/usr/bin/python3
"""scikit-learn's side of bench/clusters (npm run bench:clusters), timed in this process so the
interpreter's start and imports do not count. Reads the RFM table (log1p, StandardScaler) and, when
given, the synthetic table as raw little-endian float64 (rows x 10). Prints JSON.

  rfm: the automatic choice (KMeans(n_clusters=k, n_init=10, random_state=0) for k = 2..10,
       each fit plus its exact silhouette_score): seconds and best k; then each k's fit alone,
       the fastest of BENCH_REPEATS runs (default 1): seconds, CPU seconds (all threads; the
       lowest of the runs) and inertia.
  synthetic: MiniBatchKMeans(n_clusters=8, batch_size=1024, n_init=3, random_state=0): seconds,
       CPU seconds, steps and inertia."""
import csv
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler


def rfm(path, repeats):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    raw = np.array([[float(r["recency"]), float(r["frequency"]), float(r["monetary"])] for r in rows])
    X = StandardScaler().fit_transform(np.log1p(raw))
    KMeans(n_clusters=2, n_init=10, random_state=0).fit(X)  # warm-up
    started = time.perf_counter()
    fits, best = [], None
    for k in range(2, 11):
        model = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
        score = float(silhouette_score(X, model.labels_))
        fits.append({"k": k, "seconds": float("inf"), "inertia": float(model.inertia_), "silhouette": score})
        if best is None or score > best[1]:
            best = (k, score)
    auto_seconds = time.perf_counter() - started
    for fit in fits:
        fit["cpu_seconds"] = float("inf")
    for _ in range(repeats):  # the fits alone, the fastest of the repeats (wall and CPU apart)
        for fit in fits:
            t, c = time.perf_counter(), time.process_time()
            KMeans(n_clusters=fit["k"], n_init=10, random_state=0).fit(X)
            fit["seconds"] = min(fit["seconds"], time.perf_counter() - t)
            fit["cpu_seconds"] = min(fit["cpu_seconds"], time.process_time() - c)
    return {"fits": fits, "auto_seconds": auto_seconds, "best_k": best[0]}


def synthetic(path, rows):
    X = np.fromfile(path, dtype="<f8").reshape(rows, 10)
    t, c = time.perf_counter(), time.process_time()
    model = MiniBatchKMeans(n_clusters=8, batch_size=1024, n_init=3, random_state=0).fit(X)
    return {"seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - c,
            "steps": int(model.n_steps_), "inertia": float(model.inertia_)}


def main():
    repeats = int(os.environ.get("BENCH_REPEATS", "1"))
    out = {"sklearn": sklearn.__version__, "rfm": rfm(sys.argv[1], repeats)}
    if len(sys.argv) > 3:
        out["synthetic"] = synthetic(sys.argv[2], int(sys.argv[3]))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
