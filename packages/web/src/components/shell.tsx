import { lazy, Suspense } from 'react';
import type { Session } from '../app.js';
import { AttributionPage } from '../pages/attribution-page.js';
import { ExperimentPage } from '../pages/experiment-page.js';
import { ExperimentsPage } from '../pages/experiments-page.js';
import { OverviewPage } from '../pages/overview-page.js';
import { ProfilePage } from '../pages/profile-page.js';
import { useHashRoute, type Route } from '../use-hash-route.js';
import { SearchForm } from './search-form.js';
import { Loading } from './status-message.js';

// Pages a session may never open are fetched when first opened, keeping the initial JS small.
const EventsPage = lazy(() =>
  import('../pages/events-page.js').then((m) => ({ default: m.EventsPage })),
);
const SegmentsPage = lazy(() =>
  import('../pages/segments-page.js').then((m) => ({ default: m.SegmentsPage })),
);
const JourneysPage = lazy(() =>
  import('../pages/journeys-page.js').then((m) => ({ default: m.JourneysPage })),
);
const PlacementsPage = lazy(() =>
  import('../pages/placements-page.js').then((m) => ({ default: m.PlacementsPage })),
);
const PlacementPage = lazy(() =>
  import('../pages/placement-page.js').then((m) => ({ default: m.PlacementPage })),
);
const FunnelPage = lazy(() =>
  import('../pages/funnel-page.js').then((m) => ({ default: m.FunnelPage })),
);
const RetentionPage = lazy(() =>
  import('../pages/retention-page.js').then((m) => ({ default: m.RetentionPage })),
);
const ModelsPage = lazy(() =>
  import('../pages/models-page.js').then((m) => ({ default: m.ModelsPage })),
);
const ModelPage = lazy(() =>
  import('../pages/model-page.js').then((m) => ({ default: m.ModelPage })),
);
const RecommendersPage = lazy(() =>
  import('../pages/recommenders-page.js').then((m) => ({ default: m.RecommendersPage })),
);
const RecommenderPage = lazy(() =>
  import('../pages/recommender-page.js').then((m) => ({ default: m.RecommenderPage })),
);
const ClusteringsPage = lazy(() =>
  import('../pages/clusterings-page.js').then((m) => ({ default: m.ClusteringsPage })),
);
const ClusteringPage = lazy(() =>
  import('../pages/clustering-page.js').then((m) => ({ default: m.ClusteringPage })),
);
const DestinationsPage = lazy(() =>
  import('../pages/destinations-page.js').then((m) => ({ default: m.DestinationsPage })),
);
const DestinationPage = lazy(() =>
  import('../pages/destination-page.js').then((m) => ({ default: m.DestinationPage })),
);
const PrivacyPage = lazy(() =>
  import('../pages/privacy-page.js').then((m) => ({ default: m.PrivacyPage })),
);
const KeysPage = lazy(() => import('../pages/keys-page.js').then((m) => ({ default: m.KeysPage })));
const DefinitionPage = lazy(() =>
  import('../pages/definition-page.js').then((m) => ({ default: m.DefinitionPage })),
);

/** The signed-in frame: navigation, the person search, the role, and the page the URL names. */
export function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useHashRoute();
  const current = (...pages: Route['page'][]) =>
    pages.includes(route.page) ? ('page' as const) : undefined;
  return (
    <>
      <header className="top">
        <a className="brand" href="#/">
          Tailor
        </a>
        <nav aria-label="Main">
          <a href="#/" aria-current={current('overview')}>
            Overview
          </a>
          <a href="#/events" aria-current={current('events')}>
            Live events
          </a>
          <a href="#/experiments" aria-current={current('experiments', 'experiment')}>
            Experiments
          </a>
          <a href="#/attribution" aria-current={current('attribution')}>
            Attribution
          </a>
          <a href="#/funnel" aria-current={current('funnel')}>
            Funnel
          </a>
          <a href="#/retention" aria-current={current('retention')}>
            Retention
          </a>
          <a href="#/segments" aria-current={current('segments', 'definition')}>
            Segments
          </a>
          <a href="#/journeys" aria-current={current('journeys')}>
            Journeys
          </a>
          <a href="#/placements" aria-current={current('placements', 'placement')}>
            Placements
          </a>
          <a href="#/models" aria-current={current('models', 'model')}>
            Models
          </a>
          <a href="#/recommenders" aria-current={current('recommenders', 'recommender')}>
            Recommendations
          </a>
          <a href="#/clusters" aria-current={current('clusterings', 'clustering')}>
            Clusters
          </a>
          <a href="#/destinations" aria-current={current('destinations', 'destination')}>
            Destinations
          </a>
          {session.role === 'admin' && (
            <>
              <a href="#/privacy" aria-current={current('privacy')}>
                Privacy
              </a>
              <a href="#/keys" aria-current={current('keys')}>
                Keys
              </a>
            </>
          )}
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
        <Suspense fallback={<Loading what="the page" />}>
          <Page route={route} session={session} />
        </Suspense>
      </main>
    </>
  );
}

function Page({ route, session }: { route: Route; session: Session }) {
  switch (route.page) {
    case 'profile':
      return (
        <ProfilePage
          key={route.query}
          get={session.get}
          post={session.post}
          role={session.role}
          query={route.query}
        />
      );
    case 'events':
      return (
        <EventsPage
          key={route.search}
          get={session.get}
          role={session.role}
          search={route.search}
        />
      );
    case 'experiments':
      return <ExperimentsPage get={session.get} />;
    case 'experiment':
      return <ExperimentPage key={route.name} get={session.get} name={route.name} />;
    case 'attribution':
      return <AttributionPage key={route.search} post={session.post} search={route.search} />;
    case 'segments':
      return (
        <SegmentsPage get={session.get} put={session.put} post={session.post} role={session.role} />
      );
    case 'journeys':
      return <JourneysPage get={session.get} />;
    case 'placements':
      return <PlacementsPage get={session.get} put={session.put} role={session.role} />;
    case 'placement':
      return (
        <PlacementPage
          key={route.name}
          get={session.get}
          post={session.post}
          put={session.put}
          del={session.del}
          role={session.role}
          name={route.name}
        />
      );
    case 'funnel':
      return <FunnelPage key={route.search} post={session.post} search={route.search} />;
    case 'retention':
      return <RetentionPage key={route.search} post={session.post} search={route.search} />;
    case 'models':
      return <ModelsPage get={session.get} />;
    case 'model':
      return (
        <ModelPage
          key={route.name}
          get={session.get}
          post={session.post}
          role={session.role}
          name={route.name}
        />
      );
    case 'recommenders':
      return <RecommendersPage get={session.get} />;
    case 'recommender':
      return (
        <RecommenderPage
          key={route.name}
          get={session.get}
          post={session.post}
          put={session.put}
          role={session.role}
          name={route.name}
        />
      );
    case 'clusterings':
      return <ClusteringsPage get={session.get} />;
    case 'clustering':
      return (
        <ClusteringPage
          key={route.name}
          get={session.get}
          post={session.post}
          put={session.put}
          role={session.role}
          name={route.name}
        />
      );
    case 'destinations':
      return <DestinationsPage get={session.get} />;
    case 'destination':
      return <DestinationPage key={route.name} get={session.get} name={route.name} />;
    case 'privacy':
      return session.role === 'admin' ? (
        <PrivacyPage get={session.get} post={session.post} />
      ) : (
        <AdminOnly what="Privacy" />
      );
    case 'keys':
      return session.role === 'admin' ? (
        <KeysPage get={session.get} put={session.put} del={session.del} />
      ) : (
        <AdminOnly what="API keys" />
      );
    case 'definition':
      return (
        <DefinitionPage
          key={`${route.kind}:${route.name}`}
          get={session.get}
          put={session.put}
          post={session.post}
          role={session.role}
          kind={route.kind}
          name={route.name}
        />
      );
    case 'overview':
      return <OverviewPage get={session.get} getText={session.getText} />;
  }
}

/** A page only an admin key may use; the API refuses the others' requests in any case. */
function AdminOnly({ what }: { what: string }) {
  return (
    <>
      <h1>{what}</h1>
      <p className="empty" role="status">
        This page is for admin keys: the key you signed in with cannot use it.
      </p>
    </>
  );
}
