"""Reference values for the recommenders, computed independently with numpy.

Run with Debian's Python (numpy 1.24): /usr/bin/python3 make-recommend-reference.py
Writes recommend.reference.json beside this script: a small generated case (24 users, 18
items, each interaction with a time) and, from it, the item-kNN similarities (cosine with
shrinkage, top-N pruning) and per-user scores, and the EASE weights B and per-user scores on
time-decayed interactions, each from the plain formulas with dense numpy arrays.
"""
import json
import os

import numpy as np

USERS, ITEMS = 24, 18
SHRINKAGE, KEEP = 2.0, 5
LAMBDA, HALF_LIFE_DAYS = 3.0, 20.0
DAY = 86_400_000
START = 1_700_000_000_000

rng = np.random.RandomState(17)
interactions = []
for u in range(USERS):
    # Each user likes one of three overlapping groups of items, plus some noise.
    group = u % 3
    for i in range(ITEMS):
        p = 0.55 if i // 6 == group else 0.12
        if rng.rand() < p:
            for _ in range(1 + rng.randint(2)):  # repeats: only the latest time counts
                interactions.append(
                    {"user": f"u{u:02d}", "item": f"i{i:02d}", "time": START + int(rng.randint(0, 60 * 24)) * 3_600_000}
                )

users = sorted({x["user"] for x in interactions})
items = sorted({x["item"] for x in interactions})
ui = {u: k for k, u in enumerate(users)}
ii = {i: k for k, i in enumerate(items)}
n_users, n_items = len(users), len(items)
X = np.zeros((n_users, n_items))
last = np.full((n_users, n_items), -np.inf)
for x in interactions:
    a, b = ui[x["user"]], ii[x["item"]]
    X[a, b] = 1
    last[a, b] = max(last[a, b], x["time"])
now = max(x["time"] for x in interactions)

# Item-kNN: sim(i, j) = c_ij / (sqrt(n_i n_j) + shrinkage), i != j, keep the KEEP largest per row
# (ties to the lower j); only items co-bought with i are candidates.
C = X.T @ X
n = np.diag(C)
S = C / (np.sqrt(np.outer(n, n)) + SHRINKAGE)
np.fill_diagonal(S, 0)
pruned = np.zeros_like(S)
for i in range(n_items):
    candidates = [j for j in range(n_items) if j != i and C[i, j] > 0]
    candidates.sort(key=lambda j: (-S[i, j], j))
    for j in candidates[:KEEP]:
        pruned[i, j] = S[i, j]
knn_scores = X @ pruned

# EASE on decayed weights: W = X * 2^(-(now - t) / half-life); G = W'W + lambda I; P = inv(G);
# B = -P / diag(P) (column-wise), diag(B) = 0; scores = W B.
W = np.where(X > 0, np.power(2.0, -(now - np.where(X > 0, last, now)) / (HALF_LIFE_DAYS * DAY)), 0.0)
G = W.T @ W + LAMBDA * np.eye(n_items)
P = np.linalg.inv(G)
B = -P / np.diag(P)[np.newaxis, :]
np.fill_diagonal(B, 0)
ease_scores = W @ B

out = {
    "made_by": "make-recommend-reference.py, numpy " + np.__version__,
    "options": {"shrinkage": SHRINKAGE, "neighbours": KEEP, "lambda": LAMBDA, "easeHalfLifeDays": HALF_LIFE_DAYS},
    "interactions": interactions,
    "users": users,
    "items": items,
    "knn_similarities": pruned.tolist(),
    "knn_scores": knn_scores.tolist(),
    "ease_weights": B.tolist(),
    "ease_scores": ease_scores.tolist(),
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recommend.reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(f"{len(interactions)} interactions, {n_users} users, {n_items} items -> {path}")
