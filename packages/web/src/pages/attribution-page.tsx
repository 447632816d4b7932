import { useEffect, useState, type SubmitEvent } from 'react';
import type { AttributionResult } from '@tailor/core';
import type { ApiPost, ApiResult } from '../api/api-client.js';
import {
  formFromSearch,
  requestFromForm,
  searchFromForm,
  type AttributionForm,
} from '../attribution/attribution-query.js';
import { AttributionFormFields } from '../attribution/attribution-form-fields.js';
import { AttributionReport } from '../attribution/attribution-report.js';
import { ErrorMessage, Loading } from '../components/status-message.js';

/**
 * Where conversions come from (POST /v1/reports/attribution): the form's values live in the URL's
 * fragment, so a report can be bookmarked and reloaded; each model's shares as a chart and a table.
 */
export function AttributionPage({ post, search }: { post: ApiPost; search: string }) {
  const [form, setForm] = useState(() => formFromSearch(search));
  const [problem, setProblem] = useState<string>();
  const [answer, setAnswer] = useState<ApiResult<AttributionResult>>();
  // A second "Run" with the same values leaves the URL as it is: this asks again all the same.
  const [runs, setRuns] = useState(0);
  const asked = formFromSearch(search);
  const ready = asked.conversion.trim() !== '';

  useEffect(() => {
    if (!ready) return;
    const abort = new AbortController();
    setAnswer(undefined);
    post<AttributionResult>(
      '/v1/reports/attribution',
      requestFromForm(formFromSearch(search)),
      abort.signal,
    ).then(setAnswer, () => undefined);
    return () => {
      abort.abort();
    };
  }, [post, search, ready, runs]);

  function run(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const missing = checkForm(form);
    setProblem(missing);
    if (missing !== undefined) return;
    const next = `#/attribution?${searchFromForm(form)}`;
    if (location.hash === next) setRuns((n) => n + 1);
    else location.hash = next;
  }

  return (
    <>
      <h1>Attribution</h1>
      <p className="note">
        Which campaigns lead to a conversion: page events' UTM parameters (
        <code>context.campaign</code>) before each conversion event, credited by each model.
      </p>
      <AttributionFormFields form={form} onChange={setForm} onSubmit={run} problem={problem} />
      {ready && answer === undefined && <Loading what="the report (the whole log is read)" />}
      {ready && answer?.ok === false && (
        <ErrorMessage>The report was refused: {answer.message}</ErrorMessage>
      )}
      {ready && answer?.ok === true && <AttributionReport result={answer.value} asked={asked} />}
    </>
  );
}

/** What the form must hold before asking; the server judges everything else (and says what). */
function checkForm(form: AttributionForm): string | undefined {
  if (form.conversion.trim() === '') return 'Enter the name of the conversion event.';
  if (form.models.length === 0) return 'Choose at least one model.';
  return undefined;
}
