import reference from './multivariate.reference.json' with { type: 'json' };

/** The SciPy and statsmodels reference of the multivariate tests (make-multivariate-reference.py). */
export { reference as multivariateReference };
