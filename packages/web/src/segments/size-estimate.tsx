import { useEffect, useId, useState } from 'react';
import type { ApiPost, ApiResult } from '../api/api-client.js';
import { estimateText, type SegmentEstimate } from './estimate-text.js';
import { RefusalMessage } from '../components/refusal-message.js';

/** How long typing must pause before the definition is estimated. */
export const ESTIMATE_DEBOUNCE_MS = 400;

/**
 * How many people a segment definition being typed would hold (`POST /v1/segments/estimate`),
 * asked once typing pauses for 400 ms; a request still on its way when the text changes again is
 * aborted. The segment language's refusal is shown with its line and column and the character
 * marked. A polite live region: a screen reader hears the new figure when typing pauses, not at
 * every key.
 */
export function SizeEstimate({
  post,
  text,
  name,
}: {
  post: ApiPost;
  text: string;
  /** The segment being edited: a reference to itself is then refused as a cycle. */
  name?: string | undefined;
}) {
  const id = useId();
  const [held, setHeld] = useState<{ text: string; answer: ApiResult<SegmentEstimate> }>();
  useEffect(() => {
    if (text.trim() === '') return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      post<SegmentEstimate>(
        '/v1/segments/estimate',
        { definition: text, ...(name !== undefined && { name }) },
        abort.signal,
      ).then(
        (answer) => {
          setHeld({ text, answer });
        },
        () => undefined,
      );
    }, ESTIMATE_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [post, text, name]);

  const answer = held?.text === text ? held.answer : undefined;
  return (
    <div className="estimate" role="status" aria-live="polite" aria-label="Size estimate">
      {text.trim() === '' ? (
        <p className="note">Type a condition to see how many people it holds.</p>
      ) : answer === undefined ? (
        <p className="note">Estimating…</p>
      ) : answer.ok ? (
        <Figures estimate={answer.value} />
      ) : (
        <RefusalMessage
          id={`${id}-problem`}
          refusal={{ message: answer.message, text, position: answer.position }}
          lead="No estimate"
          alert={false}
        />
      )}
    </div>
  );
}

function Figures({ estimate }: { estimate: SegmentEstimate }) {
  const { headline, detail } = estimateText(estimate);
  return (
    <p>
      <strong>{headline}</strong> <span className="note">{detail}</span>
    </p>
  );
}
