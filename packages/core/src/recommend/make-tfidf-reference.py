"""Reference TF-IDF for content-based similarity, computed with scikit-learn.

Run with Debian's Python (scikit-learn 1.2): /usr/bin/python3 make-tfidf-reference.py
Reads 60 recorded product descriptions of UCI Online Retail (the first distinct StockCodes of the
file, kept in tfidf-items.json with a category and brand given to each) plus a few hand-written
items that test tokenization (accents, digits, one-letter words, punctuation, an empty text), and
writes tfidf.reference.json: the text of each item as itemText builds it (name, category, brand),
scikit-learn's TfidfVectorizer vocabulary and dense rows (default settings), and each item's 5
nearest items by exact cosine (sklearn NearestNeighbors, brute force) on those rows.
"""
import json
import os

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "tfidf-items.json")) as f:
    items = json.load(f)


def text(item):
    return " ".join(item[k] for k in ("name", "category", "brand") if item.get(k) is not None)


texts = [text(item) for item in items]
vectorizer = TfidfVectorizer()
X = vectorizer.fit_transform(texts)
vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
dense = X.toarray()

nonempty = [i for i in range(len(texts)) if X[i].nnz > 0]
nn = NearestNeighbors(n_neighbors=6, metric="cosine", algorithm="brute").fit(X[nonempty])
_, found = nn.kneighbors(X[nonempty])
neighbours = {}
for row, i in enumerate(nonempty):
    others = [nonempty[j] for j in found[row] if nonempty[j] != i][:5]
    neighbours[str(i)] = others

with open(os.path.join(here, "tfidf.reference.json"), "w") as f:
    json.dump(
        {
            "texts": texts,
            "vocabulary": vocabulary,
            "rows": [[round(float(v), 12) for v in row] for row in dense],
            "neighbours": neighbours,
        },
        f,
    )
    f.write("\n")
