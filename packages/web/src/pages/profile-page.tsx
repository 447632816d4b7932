import { useEffect, useState } from 'react';
import type { Profile } from '@tailor/core';
import type { ApiGet, ApiPost } from '../api/api-client.js';
import type { Role } from '../api/detect-role.js';
import { EventsPanel } from '../components/events-panel.js';
import { KeyValueTable } from '../components/key-value-table.js';
import { ModelScores } from '../components/model-scores.js';
import { ErrorMessage, Loading } from '../components/status-message.js';
import { identifierOf, PersonActions } from '../privacy/person-actions.js';
import { MergesPanel } from '../profile/merges-panel.js';
import { SegmentsPanel } from '../profile/segments-panel.js';
import { TraitsTable } from '../profile/traits-table.js';
import { findProfile, type Found } from '../search/find-profile.js';

/**
 * The person a search names: identifiers, traits with their sources, computed values, segments
 * with when they were entered, model scores with their explanations, consent, merges, and their
 * events a page at a time.
 */
export function ProfilePage({
  get,
  post,
  role,
  query,
}: {
  get: ApiGet;
  post: ApiPost;
  role: Role;
  query: string;
}) {
  const [found, setFound] = useState<Found>();
  useEffect(() => {
    const abort = new AbortController();
    findProfile(get, query, abort.signal).then(setFound, () => undefined);
    return () => {
      abort.abort();
    };
  }, [get, query]);

  if (found === undefined) return <Loading what="the profile" />;
  if (found.kind === 'error') {
    return (
      <>
        <h1>Profile</h1>
        <ErrorMessage>The profile could not be read: {found.message}</ErrorMessage>
      </>
    );
  }
  if (found.kind === 'not-found') {
    return (
      <>
        <h1>Profile</h1>
        <p className="empty" role="status">
          No one found for “{query}”. Try an email address, TYPE:VALUE (such as phone:+4412345), a
          userId or an anonymousId.
        </p>
      </>
    );
  }
  return (
    <ProfileView
      profile={found.profile}
      identifier={identifierOf(found.profile, found.identifier)}
      role={role}
      get={get}
      post={post}
    />
  );
}

function ProfileView({
  profile,
  identifier,
  role,
  get,
  post,
}: {
  profile: Profile;
  identifier: string | undefined;
  role: Role;
  get: ApiGet;
  post: ApiPost;
}) {
  return (
    <article className="profile">
      <h1>
        Profile <code>{profile.id}</code>
      </h1>
      <p className="note">
        Created {profile.createdAt}, updated {profile.updatedAt}
        {profile.mergedIds.length > 0 && `; merged from ${profile.mergedIds.join(', ')}`}.
        {role !== 'admin' && ' Personal data is masked for a ' + role + ' key.'}
      </p>
      <div className="grid">
        <section aria-labelledby="identifiers-heading">
          <h2 id="identifiers-heading">Identifiers</h2>
          {profile.identifiers.length === 0 ? (
            <p className="empty">No identifiers.</p>
          ) : (
            <ul className="identifiers">
              {profile.identifiers.map(({ type, value }) => (
                <li key={`${type}:${value}`}>
                  <code>
                    {type}:{value}
                  </code>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="segments-heading">
          <h2 id="segments-heading">Segments</h2>
          <SegmentsPanel get={get} profileId={profile.id} segments={profile.segments} />
        </section>
        <section aria-labelledby="consent-heading">
          <h2 id="consent-heading">Consent</h2>
          <KeyValueTable
            caption="Consent by purpose"
            headings={['Purpose', 'Granted']}
            entries={Object.fromEntries(
              Object.entries(profile.consent).map(([purpose, granted]) => [
                purpose,
                granted ? 'yes' : 'no',
              ]),
            )}
            empty="No consent recorded."
          />
        </section>
        <section aria-labelledby="traits-heading" className="wide">
          <h2 id="traits-heading">Traits</h2>
          <TraitsTable traits={profile.traits} provenance={profile.provenance} />
        </section>
        <section aria-labelledby="computed-heading" className="wide">
          <h2 id="computed-heading">Computed values</h2>
          <KeyValueTable
            caption="Computed values"
            entries={profile.computed}
            empty="No computed values."
          />
        </section>
        <section aria-labelledby="scores-heading" className="wide">
          <h2 id="scores-heading">Model scores</h2>
          <ModelScores scores={profile.scores ?? {}} />
        </section>
        <section aria-labelledby="merges-heading" className="wide">
          <h2 id="merges-heading">Merges</h2>
          <MergesPanel get={get} profileId={profile.id} />
        </section>
      </div>
      <EventsPanel get={get} profileId={profile.id} />
      {role === 'admin' && identifier !== undefined && (
        <section aria-labelledby="privacy-heading">
          <h2 id="privacy-heading">Export or erase</h2>
          <PersonActions post={post} person={{ profile, identifier }} />
        </section>
      )}
    </article>
  );
}
