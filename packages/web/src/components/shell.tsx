import type { Session } from '../app.js';
import { OverviewPage } from '../pages/overview-page.js';
import { ProfilePage } from '../pages/profile-page.js';
import { useHashRoute } from '../use-hash-route.js';
import { SearchForm } from './search-form.js';

/** The signed-in frame: navigation, the person search, the role, and the page the URL names. */
export function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useHashRoute();
  return (
    <>
      <header className="top">
        <a className="brand" href="#/">
          Tailor
        </a>
        <nav aria-label="Main">
          <a href="#/" aria-current={route.page === 'overview' ? 'page' : undefined}>
            Overview
          </a>
        </nav>
        <SearchForm initial={route.page === 'profile' ? route.query : ''} />
        <span className="role" title="The role of the key you signed in with">
          {session.role}
        </span>
        <button type="button" className="quiet" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main className="page">
        {route.page === 'profile' ? (
          <ProfilePage
            key={route.query}
            get={session.get}
            role={session.role}
            query={route.query}
          />
        ) : (
          <OverviewPage get={session.get} />
        )}
      </main>
    </>
  );
}
