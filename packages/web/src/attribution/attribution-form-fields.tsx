import type { SubmitEvent } from 'react';
import { BY_OPTIONS, MODEL_OPTIONS, type AttributionForm } from './attribution-query.js';

/** The report's options: conversion event, what a touchpoint is keyed by, models, lookback. */
export function AttributionFormFields({
  form,
  onChange,
  onSubmit,
  problem,
}: {
  form: AttributionForm;
  onChange: (form: AttributionForm) => void;
  onSubmit: (event: SubmitEvent<HTMLFormElement>) => void;
  problem: string | undefined;
}) {
  return (
    <form
      className="card report-form"
      onSubmit={onSubmit}
      noValidate
      aria-label="Attribution report"
    >
      <div className="fields">
        <label>
          <span>Conversion event</span>
          <input
            name="conversion"
            value={form.conversion}
            placeholder="Order Completed"
            required
            aria-invalid={problem?.includes('conversion') === true}
            onChange={(event) => {
              onChange({ ...form, conversion: event.target.value });
            }}
          />
        </label>
        <label>
          <span>Touchpoints by</span>
          <select
            name="by"
            value={form.by}
            onChange={(event) => {
              const by = BY_OPTIONS.find((option) => option.value === event.target.value);
              if (by !== undefined) onChange({ ...form, by: by.value });
            }}
          >
            {BY_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Lookback (days, optional)</span>
          <input
            name="lookbackDays"
            type="number"
            inputMode="decimal"
            value={form.lookbackDays}
            placeholder="all earlier"
            onChange={(event) => {
              onChange({ ...form, lookbackDays: event.target.value });
            }}
          />
        </label>
      </div>
      <fieldset className="models">
        <legend>Models</legend>
        {MODEL_OPTIONS.map((option) => (
          <label key={option.value} className="check">
            <input
              type="checkbox"
              name="models"
              value={option.value}
              checked={form.models.includes(option.value)}
              onChange={(event) => {
                const models = event.target.checked
                  ? MODEL_OPTIONS.map((o) => o.value).filter(
                      (model) => model === option.value || form.models.includes(model),
                    )
                  : form.models.filter((model) => model !== option.value);
                onChange({ ...form, models });
              }}
            />
            {option.label}
          </label>
        ))}
      </fieldset>
      {problem !== undefined && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <div>
        <button type="submit">Run report</button>
      </div>
    </form>
  );
}
