import { useEffect, useState } from 'react';

/** The dashboard's pages, addressed by the URL's fragment so the server serves one path, `/`. */
export type Route = { page: 'overview' } | { page: 'profile'; query: string };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?', 2);
  if (path === '/profile') {
    return { page: 'profile', query: new URLSearchParams(search).get('q') ?? '' };
  }
  return { page: 'overview' };
}

export function profileHash(query: string): string {
  return `#/profile?${new URLSearchParams({ q: query }).toString()}`;
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
