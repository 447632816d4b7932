import type { CustomerSummary, GammaGammaParams } from './models.schema.js';

/**
 * E[M | p, q, γ, m, x], a customer's expected spend per transaction given the mean m of their x
 * repeat transactions (Fader, Hardie & Lee 2005b, eq. 5): (γ + m x) p / (p x + q − 1), a weighted
 * mean of the population mean γp/(q−1) and the customer's own mean m. With x = 0 it is the
 * population mean (which exists for q > 1).
 */
export function expectedSpend(
  params: GammaGammaParams,
  customer: Pick<CustomerSummary, 'x' | 'meanSpend'>,
): number {
  const { p, q, gamma } = params;
  const { x, meanSpend: m } = customer;
  return ((gamma + m * x) * p) / (p * x + q - 1);
}
