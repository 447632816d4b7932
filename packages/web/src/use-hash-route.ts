import { useEffect, useState } from 'react';

/** The dashboard's pages, addressed by the URL's fragment so the server serves one path, `/`. */
export type Route =
  | { page: 'overview' }
  /** `search`: the live events' filters as a query string (live/live-query.ts). */
  | { page: 'events'; search: string }
  | { page: 'profile'; query: string }
  | { page: 'experiments' }
  | { page: 'experiment'; name: string }
  /** `search`: the report's options as a query string (attribution-query.ts), empty for the form alone. */
  | { page: 'attribution'; search: string }
  | { page: 'segments' }
  | { page: 'journeys' }
  | { page: 'placements' }
  | { page: 'privacy' }
  | { page: 'models' }
  | { page: 'destinations' }
  | { page: 'destination'; name: string }
  | { page: 'recommenders' }
  | { page: 'recommender'; name: string }
  | { page: 'clusterings' }
  | { page: 'clustering'; name: string }
  | { page: 'model'; name: string }
  /** `search`: the report's options as a query string, empty for the form alone. */
  | { page: 'funnel'; search: string }
  | { page: 'retention'; search: string }
  | { page: 'keys' }
  | { page: 'placement'; name: string }
  | { page: 'definition'; kind: 'segment' | 'computed'; name: string };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?', 2);
  if (path === '/profile') {
    return { page: 'profile', query: new URLSearchParams(search).get('q') ?? '' };
  }
  if (path === '/events') return { page: 'events', search };
  if (path === '/experiments') return { page: 'experiments' };
  const experiment = /^\/experiments\/(.+)$/.exec(path)?.[1];
  if (experiment !== undefined) {
    try {
      return { page: 'experiment', name: decodeURIComponent(experiment) };
    } catch {
      return { page: 'experiments' };
    }
  }
  if (path === '/attribution') return { page: 'attribution', search };
  if (path === '/segments') return { page: 'segments' };
  if (path === '/journeys') return { page: 'journeys' };
  if (path === '/placements') return { page: 'placements' };
  if (path === '/privacy') return { page: 'privacy' };
  if (path === '/models') return { page: 'models' };
  if (path === '/destinations') return { page: 'destinations' };
  const destination = /^\/destinations\/(.+)$/.exec(path)?.[1];
  if (destination !== undefined) {
    try {
      return { page: 'destination', name: decodeURIComponent(destination) };
    } catch {
      return { page: 'destinations' };
    }
  }
  if (path === '/recommenders') return { page: 'recommenders' };
  const recommender = /^\/recommenders\/(.+)$/.exec(path)?.[1];
  if (recommender !== undefined) {
    try {
      return { page: 'recommender', name: decodeURIComponent(recommender) };
    } catch {
      return { page: 'recommenders' };
    }
  }
  if (path === '/clusters') return { page: 'clusterings' };
  const clustering = /^\/clusters\/(.+)$/.exec(path)?.[1];
  if (clustering !== undefined) {
    try {
      return { page: 'clustering', name: decodeURIComponent(clustering) };
    } catch {
      return { page: 'clusterings' };
    }
  }
  const model = /^\/models\/(.+)$/.exec(path)?.[1];
  if (model !== undefined) {
    try {
      return { page: 'model', name: decodeURIComponent(model) };
    } catch {
      return { page: 'models' };
    }
  }
  if (path === '/funnel') return { page: 'funnel', search };
  if (path === '/retention') return { page: 'retention', search };
  if (path === '/keys') return { page: 'keys' };
  const placement = /^\/placements\/(.+)$/.exec(path)?.[1];
  if (placement !== undefined) {
    try {
      return { page: 'placement', name: decodeURIComponent(placement) };
    } catch {
      return { page: 'placements' };
    }
  }
  const definition = /^\/(segments|computed-traits)\/(.+)$/.exec(path);
  if (definition !== null) {
    try {
      return {
        page: 'definition',
        kind: definition[1] === 'segments' ? 'segment' : 'computed',
        name: decodeURIComponent(definition[2] ?? ''),
      };
    } catch {
      return { page: 'segments' };
    }
  }
  return { page: 'overview' };
}

export function profileHash(query: string): string {
  return `#/profile?${new URLSearchParams({ q: query }).toString()}`;
}

export function experimentHash(name: string): string {
  return `#/experiments/${encodeURIComponent(name)}`;
}

export function definitionHash(kind: 'segment' | 'computed', name: string): string {
  return `#/${kind === 'segment' ? 'segments' : 'computed-traits'}/${encodeURIComponent(name)}`;
}

export function placementHash(name: string): string {
  return `#/placements/${encodeURIComponent(name)}`;
}

export function modelHash(name: string): string {
  return `#/models/${encodeURIComponent(name)}`;
}

export function recommenderHash(name: string): string {
  return `#/recommenders/${encodeURIComponent(name)}`;
}

export function clusteringHash(name: string): string {
  return `#/clusters/${encodeURIComponent(name)}`;
}

export function destinationHash(name: string): string {
  return `#/destinations/${encodeURIComponent(name)}`;
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = () => {
      setRoute(parseRoute(location.hash));
    };
    addEventListener('hashchange', follow);
    return () => {
      removeEventListener('hashchange', follow);
    };
  }, []);
  return route;
}
