import { useEffect, useState } from 'react';
import {
  apiClient,
  apiDeleter,
  apiPoster,
  apiTextGetter,
  type ApiDelete,
  type ApiGet,
  type ApiGetText,
  type ApiPost,
} from './api/api-client.js';
import { detectRole, type Role } from './api/detect-role.js';
import { Shell } from './components/shell.js';
import { LoginPage } from './pages/login-page.js';
import { clearSessionKey, readSessionKey, saveSessionKey } from './session/session-key.js';

export interface Session {
  role: Role;
  get: ApiGet;
  post: ApiPost;
  put: ApiPost;
  del: ApiDelete;
  getText: ApiGetText;
}

/** Signs in (or back in, from the tab's sessionStorage), then shows the pages for the key's role. */
export function App() {
  const [session, setSession] = useState<Session>();
  const [restoring, setRestoring] = useState(() => readSessionKey() !== undefined);

  useEffect(() => {
    const key = readSessionKey();
    if (key === undefined) return;
    const get = apiClient(key);
    void detectRole(get).then((signIn) => {
      if (signIn.ok) setSession(sessionFor(key, signIn.role, get));
      else clearSessionKey();
      setRestoring(false);
    });
  }, []);

  if (restoring) {
    return (
      <main className="login">
        <p role="status">Signing in…</p>
      </main>
    );
  }
  if (session === undefined) {
    return (
      <LoginPage
        onSignedIn={(key, role) => {
          saveSessionKey(key);
          setSession(sessionFor(key, role, apiClient(key)));
        }}
      />
    );
  }
  return (
    <Shell
      session={session}
      onSignOut={() => {
        clearSessionKey();
        setSession(undefined);
      }}
    />
  );
}

function sessionFor(key: string, role: Role, get: ApiGet): Session {
  return {
    role,
    get,
    post: apiPoster(key),
    put: apiPoster(key, 'PUT'),
    del: apiDeleter(key),
    getText: apiTextGetter(key),
  };
}
