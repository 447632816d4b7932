import { useEffect, useId, useRef } from 'react';

type Message = Record<string, unknown>;

/**
 * One message as the API answered it, whole (personal fields already masked for a key that is
 * not an admin's), as indented JSON. Focus moves to it when it opens, and back is one button.
 */
export function MessageDetail({ message, onClose }: { message: Message; onClose: () => void }) {
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const messageId = typeof message.messageId === 'string' ? message.messageId : '';
  useEffect(() => {
    heading.current?.focus();
  }, [messageId]);
  return (
    <section aria-labelledby={`${id}-heading`} className="message-detail">
      <h2 id={`${id}-heading`} ref={heading} tabIndex={-1}>
        Message <code>{messageId}</code>
      </h2>
      <pre className="json" tabIndex={0} aria-label="The whole message as JSON">
        {JSON.stringify(message, null, 2)}
      </pre>
      <button type="button" className="quiet" onClick={onClose}>
        Close
      </button>
    </section>
  );
}
