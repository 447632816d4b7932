import { useState } from 'react';
import type { ApiGet, ApiPost } from '../api/api-client.js';
import { AuditPanel } from '../privacy/audit-panel.js';
import { ErasureRequests } from '../privacy/erasure-requests.js';
import { PersonDataPanel } from '../privacy/person-data-panel.js';

/** Privacy (admin only): a person's export and erasure, the erasure requests, the audit log. */
export function PrivacyPage({ get, post }: { get: ApiGet; post: ApiPost }) {
  // An erasure made here reads the requests (and the log) again.
  const [version, setVersion] = useState(0);
  return (
    <>
      <h1>Privacy</h1>
      <PersonDataPanel
        get={get}
        post={post}
        onErased={() => {
          setVersion((v) => v + 1);
        }}
      />
      <ErasureRequests get={get} version={version} />
      <AuditPanel key={version} get={get} />
    </>
  );
}
