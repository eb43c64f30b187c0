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

/**
 * One command of a restore, run inside the database's container in order. `stdin: true` = the dump
 * is streamed to this command's stdin (exactly one step has it). Engines whose dump cannot be loaded
 * by a client reading stdin (Redis: an RDB file) list several steps; see `restoreSteps` below.
 */
export interface RestoreStep {
  argv: string[];
  stdin?: boolean;
}

/** A client command line connecting from another container (tests, `berth db` helpers). */
export interface ClientCommand {
  /** Reads statements/commands on stdin, one result per line on stdout. */
  argv: string[];
  /** Secrets for the client (never in argv). */
  env: Record<string, string>;
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
  /** Reads a dump from stdin and loads it into an empty/fresh server (replacing what the dump contains). */
  restore(c: DatabaseCredentials): string[];
  /**
   * When present, a restore is these steps instead of "`restore` with the dump on stdin"; always go
   * through `restoreSteps(engine, c)` in engines.ts. Redis uses it: its dump is an RDB file, which a
   * running server only loads from its data dir — step 1 writes stdin to `<dataDir>/dump.rdb`
   * (`dd`), step 2 `DEBUG RELOAD NOSAVE` replaces the dataset with it, step 3 rewrites the AOF, step 4
   * removes the file. Works the same in the live container and in a fresh scratch container.
   */
  restoreSteps?(c: DatabaseCredentials): RestoreStep[];
  /**
   * Why a server of version `to` cannot take over the data directory of `from` in place (undefined: it
   * can — the new server upgrades it on start). Downgrades are refused for every engine before this is
   * asked; see `versionChangeRefusal` in engines.ts.
   */
  versionChange?(from: string, to: string): string | undefined;
  /** Signal that stops the server cleanly (Swarm sends it, then waits the grace period); default SIGTERM. */
  stopSignal?: string;
  /** How another container on the same network connects with the engine's own client (contract tests). */
  client?(c: DatabaseCredentials, host: string, port: number): ClientCommand;
  /** Prints what `parseVerification` reads: the objects and their counts (and checksums). */
  verify(c: DatabaseCredentials): string[];
  parseVerification(stdout: string): VerificationReport;
  /** `postgres://user:password@host:port/db` and the like. */
  connectionString(c: DatabaseCredentials, host: string, port: number): string;
}
