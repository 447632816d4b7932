import type { PgMigration } from '../../storage/postgres/migrate-postgres.js';

/**
 * The profile store's tables on PostgreSQL (component 'profiles'): the same as state.sqlite's,
 * with a profile's personal body (traits, groups, derived state, consent) in one `body` column,
 * sealed or plain JSON, and every other sealed value in bytea.
 */
export const PROFILE_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'identity graph, profiles, memberships, timers, outbox, reviews, backfills',
    up: `
      CREATE TABLE profiles (
        id text COLLATE "C" PRIMARY KEY,
        rank int8 NOT NULL UNIQUE,
        merged_into text,
        created_at text NOT NULL,
        updated_at text NOT NULL,
        counts text NOT NULL,
        body bytea NOT NULL
      );
      CREATE INDEX profiles_merged_into ON profiles (merged_into) WHERE merged_into IS NOT NULL;
      CREATE INDEX profiles_live ON profiles (rank) WHERE merged_into IS NULL;
      CREATE TABLE identities (
        type text NOT NULL,
        value text NOT NULL,
        profile_id text NOT NULL,
        sealed bytea,
        PRIMARY KEY (type, value)
      );
      CREATE INDEX identities_profile ON identities (profile_id);
      CREATE TABLE profile_events (
        profile_id text NOT NULL,
        position int8 NOT NULL,
        PRIMARY KEY (profile_id, position)
      );
      CREATE TABLE profile_merges (
        seq int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        into_id text NOT NULL,
        from_id text NOT NULL,
        message_id text NOT NULL,
        at text NOT NULL,
        reason text NOT NULL
      );
      CREATE INDEX profile_merges_into ON profile_merges (into_id);
      CREATE TABLE identity_conflicts (
        seq int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        record bytea NOT NULL,
        resolved_to text NOT NULL,
        profile_id text
      );
      CREATE INDEX identity_conflicts_resolved ON identity_conflicts (resolved_to);
      CREATE TABLE groups (id text PRIMARY KEY, traits bytea NOT NULL);
      CREATE TABLE segment_members (
        segment text NOT NULL,
        profile_id text COLLATE "C" NOT NULL,
        since text NOT NULL,
        PRIMARY KEY (segment, profile_id)
      );
      CREATE TABLE segment_history (
        seq int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        segment text NOT NULL,
        profile_id text NOT NULL,
        entered boolean NOT NULL,
        at text NOT NULL,
        cause text NOT NULL
      );
      CREATE INDEX segment_history_profile ON segment_history (profile_id, seq);
      CREATE TABLE profile_timers (profile_id text PRIMARY KEY, due_at int8 NOT NULL);
      CREATE INDEX profile_timers_due ON profile_timers (due_at);
      CREATE TABLE rfm_populations (key text PRIMARY KEY, population text NOT NULL);
      CREATE TABLE suppressions (hash text PRIMARY KEY, created_at text NOT NULL);
      CREATE TABLE log_outbox (
        seq int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message bytea NOT NULL
      );
      CREATE TABLE event_identifiers (
        kind smallint NOT NULL,
        blind text NOT NULL,
        position int8 NOT NULL,
        PRIMARY KEY (kind, blind, position)
      );
      CREATE TABLE match_reviews (
        id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        left_id text NOT NULL,
        right_id text NOT NULL,
        weight float8 NOT NULL,
        probability float8 NOT NULL,
        comparison bytea NOT NULL,
        status text NOT NULL,
        created_at text NOT NULL,
        decided_at text,
        decided_by text,
        UNIQUE (left_id, right_id)
      );
      CREATE INDEX match_reviews_status ON match_reviews (status, id);
      CREATE TABLE backfills (
        id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        names text[] NOT NULL,
        status text NOT NULL,
        done int8 NOT NULL,
        total int8 NOT NULL,
        cursor int8 NOT NULL,
        started_at text NOT NULL,
        finished_at text
      );
      CREATE TABLE store_meta (key text PRIMARY KEY, value text NOT NULL);`,
  },
  {
    version: 2,
    name: 'definitions generation',
    up: `
      CREATE TABLE definitions_generation (
        id int2 PRIMARY KEY CHECK (id = 1),
        generation int8 NOT NULL
      );
      INSERT INTO definitions_generation (id, generation) VALUES (1, 0);`,
  },
  {
    version: 3,
    name: 'pending erasures',
    up: `
      CREATE TABLE pending_erasures (
        request_id text PRIMARY KEY,
        at int8 NOT NULL,
        body bytea NOT NULL
      );`,
  },
  {
    version: 4,
    name: 'sealed merge reasons',
    up: 'ALTER TABLE profile_merges ADD COLUMN IF NOT EXISTS sealed_reason bytea',
  },
  {
    version: 5,
    name: 'segment sizes over time',
    up: `
      CREATE TABLE segment_sizes (
        segment text NOT NULL,
        at text NOT NULL,
        size int8 NOT NULL,
        version int4 NOT NULL,
        PRIMARY KEY (segment, at)
      );`,
  },
];
