#!/usr/bin/python3
"""Writes sampler.reference.json: the distributions Tailor's samplers draw from, computed by SciPy
(Debian 12's python3-scipy 1.10.1), independently of Tailor's TypeScript. The tests beside this file
draw 20,000 values with a seeded generator and compare their empirical distribution with these.

Per case:
- quantiles: scipy.stats.beta.ppf / scipy.stats.gamma.ppf at k/500, k = 1..499. The largest gap
  between the empirical CDF and k/500 at these quantiles is the Kolmogorov-Smirnov distance on the
  grid; the exact distance is at most 1/500 more (both CDFs are monotone between grid points);
- mean and variance: scipy.stats.beta.stats / scipy.stats.gamma.stats;
and ks_critical: the 0.999 quantile of the exact two-sided KS statistic for n = 20,000
(scipy.stats.kstwo.ppf), the distance a correct sampler exceeds once in a thousand runs.
Regenerate (nothing is installed by the tests):
  apt-get install -y python3-scipy
  cd packages/core/src/decide && /usr/bin/python3 make-sampler-reference.py"""
import json

import numpy as np
from scipy import stats

N = 20_000
GRID = 500

BETA = [(1, 1), (13, 369), (2, 5000), (0.5, 0.5), (0.3, 2), (501, 9501), (40001, 960001)]
GAMMA = [0.25, 1, 3.7, 1000]


def number(x):
    return float('%.10g' % x)


def case(kind, params, dist):
    levels = np.arange(1, GRID) / GRID
    mean, variance = dist.stats(moments='mv')
    return {
        'kind': kind,
        'params': params,
        'mean': number(mean),
        'variance': number(variance),
        'quantiles': [number(q) for q in dist.ppf(levels)],
    }


cases = [case('beta', [a, b], stats.beta(a, b)) for a, b in BETA]
cases += [case('gamma', [shape], stats.gamma(shape)) for shape in GAMMA]
reference = {'n': N, 'grid': GRID, 'ks_critical': number(stats.kstwo.ppf(0.999, N)), 'cases': cases}
with open('sampler.reference.json', 'w') as f:
    json.dump(reference, f, separators=(',', ':'))
    f.write('\n')
