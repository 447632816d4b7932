import { useId, useState, type SubmitEvent } from 'react';
import type { ApiDelete, ApiGet, ApiPost } from '../api/api-client.js';
import { useApiGet } from '../api/use-api-get.js';
import { ErrorMessage, Loading } from '../components/status-message.js';

const ROLES = ['write', 'viewer', 'marketer', 'admin'] as const;
type KeyRole = (typeof ROLES)[number];

const ROLE_TEXT: Record<KeyRole, string> = {
  write: 'write: collect events and ask for decisions (public, in web pages)',
  viewer: 'viewer: read, personal data masked',
  marketer: 'marketer: read, and change definitions',
  admin: 'admin: everything, keys and privacy included',
};

interface ApiKey {
  name: string;
  role: KeyRole;
  createdAt: string;
  revokedAt: string | null;
  rateLimit: { max: number; windowSeconds?: number } | null;
}

/**
 * API keys (admin only, GET /v1/keys): every key by name, never the key itself; a new one made
 * with a role (PUT /v1/keys/NAME, its key shown once), and revoked (DELETE) after a confirmation.
 */
export function KeysPage({ get, put, del }: { get: ApiGet; put: ApiPost; del: ApiDelete }) {
  const [version, setVersion] = useState(0);
  const answer = useApiGet<{ keys: ApiKey[] }>(get, '/v1/keys', version);
  const reload = () => {
    setVersion((v) => v + 1);
  };
  const keys = answer?.ok === true ? answer.value.keys : [];
  return (
    <>
      <h1>API keys</h1>
      <CreateKey put={put} active={keys.filter((k) => k.revokedAt === null)} onMade={reload} />
      <section aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        {answer === undefined && <Loading what="keys" />}
        {answer?.ok === false && (
          <ErrorMessage>The keys could not be read: {answer.message}</ErrorMessage>
        )}
        {answer?.ok === true && (
          <div className="table-wrap" role="region" aria-label="Keys table" tabIndex={0}>
            <table className="wide-table">
              <caption className="visually-hidden">API keys, by name</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Created</th>
                  <th scope="col">Rate limit</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {[...keys]
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((key) => (
                    <tr key={key.name}>
                      <th scope="row">{key.name}</th>
                      <td>{key.role}</td>
                      <td className="nowrap">{key.createdAt.slice(0, 16).replace('T', ' ')}</td>
                      <td>{limitText(key.rateLimit)}</td>
                      <td>
                        {key.revokedAt === null ? (
                          <RevokeButton del={del} name={key.name} onRevoked={reload} />
                        ) : (
                          `revoked ${key.revokedAt.slice(0, 16).replace('T', ' ')}`
                        )}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function limitText(limit: ApiKey['rateLimit']): string {
  if (limit === null) return 'none';
  const window = limit.windowSeconds ?? 1;
  return window === 1
    ? `${String(limit.max)} a second`
    : `${String(limit.max)} per ${String(window)} s`;
}

function CreateKey({
  put,
  active,
  onMade,
}: {
  put: ApiPost;
  active: ApiKey[];
  onMade: () => void;
}) {
  const id = useId();
  const [name, setName] = useState('');
  const [role, setRole] = useState<KeyRole>('viewer');
  const [replacing, setReplacing] = useState(false);
  const [error, setError] = useState<string>();
  const [made, setMade] = useState<{ name: string; role: string; key: string }>();

  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setMade(undefined);
    const target = name.trim();
    if (target === '') {
      setError('Give the key a name.');
      return;
    }
    // PUT replaces a key of that name, which stops the old one at once: asked first.
    if (!replacing && active.some((key) => key.name === target)) {
      setReplacing(true);
      setError(undefined);
      return;
    }
    setReplacing(false);
    const answer = await put<{ name: string; role: string; key: string }>(
      `/v1/keys/${encodeURIComponent(target)}`,
      { role },
    );
    if (!answer.ok) {
      setError(`Not made: ${answer.message}`);
      return;
    }
    setError(undefined);
    setMade(answer.value);
    setName('');
    onMade();
  }

  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>New key</h2>
      <form className="filters" onSubmit={(event) => void submit(event)} aria-label="New key">
        <p>
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            maxLength={128}
            placeholder="ci-reader"
            aria-describedby={`${id}-name-hint`}
            onChange={(event) => {
              setName(event.target.value);
              setReplacing(false);
            }}
          />
          <span id={`${id}-name-hint`} className="note">
            Letters, digits, dot, dash and underscore.
          </span>
        </p>
        <p>
          <label htmlFor={`${id}-role`}>Role</label>
          <select
            id={`${id}-role`}
            value={role}
            onChange={(event) => {
              setRole(event.target.value as KeyRole);
            }}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_TEXT[r]}
              </option>
            ))}
          </select>
        </p>
        <div className="actions">
          <button type="submit" className={replacing ? 'danger' : undefined}>
            {replacing ? `Replace ${name.trim()}` : 'Create key'}
          </button>
        </div>
      </form>
      {replacing && (
        <p className="error" role="alert">
          A key named {name.trim()} exists: replacing it makes a new key and the old one is refused
          from the next request on. Press “Replace {name.trim()}” to go on.
        </p>
      )}
      {error !== undefined && <ErrorMessage>{error}</ErrorMessage>}
      {made !== undefined && (
        <div className="decision" role="status" aria-label="The new key">
          <p>
            Key {made.name} ({made.role}): <code className="secret">{made.key}</code>
          </p>
          <p className="note">Copy it now: only its hash is kept, so it is never shown again.</p>
        </div>
      )}
    </section>
  );
}

function RevokeButton({
  del,
  name,
  onRevoked,
}: {
  del: ApiDelete;
  name: string;
  onRevoked: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  async function revoke() {
    const answer = await del(`/v1/keys/${encodeURIComponent(name)}`);
    if (answer.ok) onRevoked();
    else setError(answer.message);
  }
  if (!confirming) {
    return (
      <button
        type="button"
        className="quiet"
        aria-label={`Revoke ${name}…`}
        onClick={() => {
          setConfirming(true);
        }}
      >
        Revoke…
      </button>
    );
  }
  return (
    <span className="inline-confirm" role="group" aria-label={`Confirm revoking ${name}`}>
      Refused from the next request on.{' '}
      <button type="button" className="danger" onClick={() => void revoke()}>
        Revoke {name}
      </button>{' '}
      <button
        type="button"
        className="quiet"
        onClick={() => {
          setConfirming(false);
        }}
      >
        Cancel
      </button>
      {error !== undefined && <ErrorMessage>Not revoked: {error}</ErrorMessage>}
    </span>
  );
}
