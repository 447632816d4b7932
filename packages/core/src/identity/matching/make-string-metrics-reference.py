#!/usr/bin/python3
"""Writes string-metrics.reference.json: Jaro-Winkler similarity, Levenshtein distance and
Soundex codes computed by jellyfish (Debian's python3-jellyfish), an implementation independent
of the npm library Tailor uses. Regenerate: /usr/bin/python3 make-string-metrics-reference.py"""
import json
import jellyfish

PAIRS = [
    ("martha", "marhta"), ("dwayne", "duane"), ("dixon", "dicksonx"), ("jones", "johnson"),
    ("abcvwxyz", "cabvwxyz"), ("shackleford", "shackelford"), ("william", "williams"),
    ("crate", "trace"), ("kate", "cathy"), ("jellyfish", "smellyfish"), ("a", "b"),
    ("tullaroop street", "tullaroop st"), ("19081209", "19081290"), ("6988048", "6988084"),
    ("katherine", "catherine"), ("aaron", "erin"), ("mcdonald", "macdonald"), ("same", "same"),
]

rows = [
    {"a": a, "b": b, "jaroWinkler": jellyfish.jaro_winkler_similarity(a, b), "levenshtein": jellyfish.levenshtein_distance(a, b)}
    for a, b in PAIRS
]
with open("string-metrics.reference.json", "w") as out:
    json.dump({"source": "python3-jellyfish 0.8.9 (Debian 12)", "pairs": rows}, out, indent=1)
    out.write("\n")
