import { useState, type SubmitEvent } from 'react';
import { apiClient } from '../api/api-client.js';
import { detectRole, type Role } from '../api/detect-role.js';

/** Asks for an API key and checks it against the API before anything else is shown. */
export function LoginPage({ onSignedIn }: { onSignedIn: (key: string, role: Role) => void }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function signIn(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = key.trim();
    if (trimmed === '') {
      setError('Enter an API key.');
      return;
    }
    setBusy(true);
    setError(undefined);
    const result = await detectRole(apiClient(trimmed));
    setBusy(false);
    if (result.ok) onSignedIn(trimmed, result.role);
    else setError(result.message);
  }

  return (
    <main className="login">
      <h1>Tailor</h1>
      <form className="card" onSubmit={(event) => void signIn(event)} aria-describedby="key-note">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="current-password"
          value={key}
          onChange={(event) => {
            setKey(event.target.value);
          }}
          aria-invalid={error !== undefined}
          aria-errormessage={error === undefined ? undefined : 'sign-in-error'}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error !== undefined && (
          <p id="sign-in-error" className="error" role="alert">
            {error}
          </p>
        )}
        <p id="key-note" className="note">
          A viewer, marketer or admin key. It is kept for this browser tab only and sent to this
          server alone.
        </p>
      </form>
    </main>
  );
}
