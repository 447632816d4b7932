import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FORM,
  formFromSearch,
  requestFromForm,
  searchFromForm,
  type AttributionForm,
} from './attribution-query.js';

const FORM: AttributionForm = {
  conversion: 'Order Completed',
  by: 'campaign',
  models: ['first_touch', 'markov'],
  lookbackDays: '30',
};

describe('the attribution form in the URL', () => {
  it('goes through the fragment and back', () => {
    const search = searchFromForm(FORM);
    expect(search).toBe(
      'conversion=Order+Completed&by=campaign&models=first_touch%2Cmarkov&lookbackDays=30',
    );
    expect(formFromSearch(search)).toEqual(FORM);
  });

  it('takes the defaults for what is missing or unknown', () => {
    expect(formFromSearch('')).toEqual(DEFAULT_FORM);
    expect(formFromSearch('by=planet&models=first_touch,nope')).toEqual({
      ...DEFAULT_FORM,
      models: ['first_touch'],
    });
    // No model asked for stays so: the server says one is needed.
    expect(formFromSearch('models=').models).toEqual([]);
  });
});

describe('requestFromForm', () => {
  it('sends the lookback as a number, and leaves it out when empty', () => {
    expect(requestFromForm({ ...FORM, conversion: ' Order Completed ' })).toEqual({
      conversion: 'Order Completed',
      by: 'campaign',
      models: ['first_touch', 'markov'],
      lookbackDays: 30,
    });
    expect(requestFromForm({ ...FORM, lookbackDays: ' ' })).not.toHaveProperty('lookbackDays');
  });

  it('leaves the judging of a bad lookback to the server', () => {
    expect(requestFromForm({ ...FORM, lookbackDays: '-1' }).lookbackDays).toBe(-1);
    expect(requestFromForm({ ...FORM, lookbackDays: 'soon' }).lookbackDays).toBe('soon');
  });
});
