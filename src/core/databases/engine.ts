// The contract every database engine entry fulfils. Engines are data: one `DatabaseEngine` value per
// engine in `engines.ts`, and everything else (the planner, credentials, backups, verification,
// restore) reads these fields — no `if (engine === 'postgres')` anywhere else.
//
// Every command is an argv array run inside a container (exec), never a shell string; secrets reach
// the command through the exec's environment (`env(credentials)`), never its argv.

/** The engines Berth knows. Adding one = one entry in engines.ts + one image fixture + the contract suite. */
export type DatabaseEngineId = 'postgres' | 'mysql' | 'mariadb' | 'mongodb' | 'redis';

/** Generated at create time, stored sealed; `user`/`database` are plain names, `password` is secret. */
export interface DatabaseCredentials {
  user: string;
  password: string;
  /** Engines without named databases (Redis) ignore it. */
  database: string;
  /** Only engines with a separate superuser (MySQL/MariaDB root) use it. */
  rootPassword?: string;
}

/**
 * What an engine's verification found: one entry per table / collection / keyspace with a count, and
 * an optional content checksum per entry (restore tests compare them).
 */
export interface VerificationReport {
  objects: Array<{ name: string; count: number; checksum?: string }>;
}

export interface DatabaseEngine {
  id: DatabaseEngineId;
  /** Human name: "PostgreSQL". */
  label: string;
  /** Version → default image (what production pulls, e.g. 'postgres:16'); config can rename each. */
  versions: Readonly<Record<string, string>>;
  defaultVersion: string;
  /** The port the server listens on inside the container. */
  port: number;
  /** Where the engine keeps its data: the named volume is mounted here. */
  dataDir: string;
  /** Environment of the database container (first-start initialisation reads it). */
  containerEnv(c: DatabaseCredentials): Record<string, string>;
  /** argv replacing the image's CMD, or undefined to keep it. Must not contain secrets. */
  command?(c: DatabaseCredentials): string[];
  /** Exit 0 when the server accepts authenticated connections. */
  healthCheck: string[];
  /** Environment given to every exec below (passwords go here, never in argv). */
  execEnv(c: DatabaseCredentials): Record<string, string>;
  /** Writes a full logical dump to stdout. */
  dump(c: DatabaseCredentials): string[];
  /** Reads a dump from stdin and loads it into an empty/fresh server. */
  restore(c: DatabaseCredentials): string[];
  /** Prints what `parseVerification` reads: the objects and their counts (and checksums). */
  verify(c: DatabaseCredentials): string[];
  parseVerification(stdout: string): VerificationReport;
  /** `postgres://user:password@host:port/db` and the like. */
  connectionString(c: DatabaseCredentials, host: string, port: number): string;
}
