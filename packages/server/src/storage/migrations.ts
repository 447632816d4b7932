/**
 * A versioned schema change of one store (its component). Each store owns its list, numbered from 1
 * in the order they run; an applied migration is never edited, a change is a new one. A runner
 * records what it applied per component in `schema_migrations`, applies the missing ones in order,
 * each with its record in one transaction, and refuses a database migrated by a newer Tailor.
 */
export interface Migration<Db> {
  version: number;
  name: string;
  /** SQL statements, or a function for a change that depends on what the database holds. */
  up: string | ((db: Db) => void | Promise<void>);
}

/** Checks that a store's list is numbered 1, 2, 3... (a gap or a repeat is a programming error). */
export function checkMigrations(
  component: string,
  migrations: readonly { version: number }[],
): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migrations of ${component}: version ${String(migration.version)} at place ${String(index + 1)}`,
      );
    }
  });
}

/** A database whose store is newer than this code: refuse rather than write what it cannot read. */
export function newerSchemaError(component: string, applied: number, known: number): Error {
  return new Error(
    `the ${component} store is at schema version ${String(applied)}, newer than this Tailor knows (${String(known)}): upgrade Tailor`,
  );
}
