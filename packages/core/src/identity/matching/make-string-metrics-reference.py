#!/usr/bin/python3
"""Writes string-metrics.reference.json: Jaro-Winkler similarity and Levenshtein distance
computed by jellyfish (Debian 12's python3-jellyfish 0.8.9), an implementation independent of
the npm library Tailor uses (talisman). compare-values.test.ts checks talisman against the table.
Regenerate (nothing is installed by the tests):
  apt-get install -y python3-jellyfish
  cd packages/core/src/identity/matching && /usr/bin/python3 make-string-metrics-reference.py"""
import json
import jellyfish

PAIRS = [
    ("martha", "marhta"), ("dwayne", "duane"), ("dixon", "dicksonx"), ("jones", "johnson"),
    ("abcvwxyz", "cabvwxyz"), ("shackleford", "shackelford"), ("william", "williams"),
    ("crate", "trace"), ("kate", "cathy"), ("jellyfish", "smellyfish"), ("a", "b"),
    ("tullaroop street", "tullaroop st"), ("19081209", "19081290"), ("6988048", "6988084"),
    ("katherine", "catherine"), ("aaron", "erin"), ("mcdonald", "macdonald"), ("same", "same"),
    ("anne", "annie"), ("kate", "katy"), ("nsw", "nsq"), ("2000", "2011"), ("darwinia terrace", "darwiniaerrace"),
    ("ab", "ba"), ("x", ""), ("jankus", "callum"),
]

rows = [
    {"a": a, "b": b, "jaroWinkler": jellyfish.jaro_winkler_similarity(a, b), "levenshtein": jellyfish.levenshtein_distance(a, b)}
    for a, b in PAIRS
]
with open("string-metrics.reference.json", "w") as out:
    json.dump({"source": "python3-jellyfish 0.8.9 (Debian 12)", "pairs": rows}, out, indent=1)
    out.write("\n")
