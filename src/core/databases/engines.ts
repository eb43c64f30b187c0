// The engine table: one `DatabaseEngine` value per engine (see engine.ts for the contract). Everything
// engine-specific lives here as data — images, ports, environment, argv for health/dump/restore/verify
// and the parser of the verification output. Nothing else in Berth branches on the engine.
// Must never: put a secret in an argv (they go in `containerEnv`/`execEnv`), or do I/O.
import type { DatabaseCredentials, DatabaseEngine, DatabaseEngineId, RestoreStep, VerificationReport } from './engine.ts';

/** The one separator verification output uses between fields (a tab: never in a table/key name we report). */
const FIELD = '\t';

/** Lines of `name<TAB>count<TAB>checksum`, blank lines ignored; objects sorted by name. */
export function parseTabbedReport(stdout: string): VerificationReport {
  const objects = stdout
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [name = '', count = '', checksum] = line.split(FIELD);
      const n = /^\d+$/.test(count) ? Number(count) : NaN;
      if (!name || !Number.isSafeInteger(n)) throw new Error(`unexpected verification line: ${JSON.stringify(line.slice(0, 200))}`);
      return checksum ? { name, count: n, checksum } : { name, count: n };
    });
  return { objects: objects.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

const encode = encodeURIComponent;

// ---- PostgreSQL ----

/**
 * Every ordinary table of the database except the catalogs: its row count and an order-independent
 * checksum of its rows (md5 over the sorted md5s of each row's text form). One SELECT, no temp objects.
 */
const POSTGRES_VERIFY_SQL = `
SELECT n.nspname || '.' || c.relname,
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text,
  (xpath('/row/h/text()', query_to_xml(format(
    'SELECT md5(coalesce(string_agg(r, '','' ORDER BY r), '''')) AS h FROM (SELECT md5(t::text) AS r FROM %I.%I t) s',
    n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1`;

const postgres: DatabaseEngine = {
  id: 'postgres',
  label: 'PostgreSQL',
  versions: { '17': 'postgres:17', '16': 'postgres:16', '15': 'postgres:15', '14': 'postgres:14' },
  defaultVersion: '16',
  port: 5432,
  dataDir: '/var/lib/postgresql/data',
  containerEnv: (c) => ({
    POSTGRES_USER: c.user,
    POSTGRES_PASSWORD: c.password,
    POSTGRES_DB: c.database,
    PGDATA: '/var/lib/postgresql/data',
    // For the health check and `docker exec psql` by an operator: the client's defaults.
    PGUSER: c.user,
    PGDATABASE: c.database,
  }),
  // pg_isready over TCP: during first-start initialisation the server only listens on its socket.
  healthCheck: ['pg_isready', '-h', '127.0.0.1', '-p', '5432', '-q'],
  stopSignal: 'SIGINT',
  versionChange: (from, to) =>
    `PostgreSQL ${to} cannot open the data directory of PostgreSQL ${from} (major versions differ): create a new database at version ${to} and restore a backup of this one into it`,
  execEnv: (c) => ({ PGHOST: '127.0.0.1', PGPORT: '5432', PGUSER: c.user, PGPASSWORD: c.password, PGDATABASE: c.database }),
  dump: () => ['pg_dump', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--quote-all-identifiers'],
  restore: () => ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null'],
  verify: () => ['psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-F', FIELD, '-c', POSTGRES_VERIFY_SQL],
  parseVerification: parseTabbedReport,
  connectionString: (c, host, port) => `postgres://${encode(c.user)}:${encode(c.password)}@${host}:${port}/${encode(c.database)}`,
  client: (c, host, port) => ({
    argv: ['psql', '-X', '-v', 'ON_ERROR_STOP=1', '-A', '-t', '-h', host, '-p', String(port), '-U', c.user, '-d', c.database],
    env: { PGPASSWORD: c.password, PGCONNECT_TIMEOUT: '5' },
  }),
};

// ---- MySQL and MariaDB (one family; the clients are named differently) ----

/**
 * Builds one UNION of `SELECT name, COUNT(*), checksum FROM t` over every base table of the current
 * database (column lists from information_schema), then runs it. The checksum is an order-independent
 * sum of CRC32s over each row's columns (NULL kept distinct from '').
 */
const MYSQL_VERIFY_SQL = `SET SESSION group_concat_max_len = 16777216;
SELECT GROUP_CONCAT(q ORDER BY t SEPARATOR ' UNION ALL ') INTO @berth_q FROM (
  SELECT c.TABLE_NAME AS t, CONCAT('SELECT ', QUOTE(c.TABLE_NAME), ', COUNT(*), LPAD(HEX(COALESCE(SUM(CRC32(CONCAT_WS(0x1f, ',
    GROUP_CONCAT(CONCAT('IFNULL(HEX(', CONCAT('\`', REPLACE(c.COLUMN_NAME, '\`', '\`\`'), '\`'), '), 0x00)') ORDER BY c.ORDINAL_POSITION SEPARATOR ', '),
    '))), 0)), 16, ''0'') FROM ', CONCAT('\`', REPLACE(c.TABLE_NAME, '\`', '\`\`'), '\`')) AS q
  FROM information_schema.COLUMNS c JOIN information_schema.TABLES b
    ON b.TABLE_SCHEMA = c.TABLE_SCHEMA AND b.TABLE_NAME = c.TABLE_NAME AND b.TABLE_TYPE = 'BASE TABLE'
  WHERE c.TABLE_SCHEMA = DATABASE() GROUP BY c.TABLE_NAME) x;
SET @berth_q = COALESCE(@berth_q, 'SELECT 1 FROM DUAL WHERE FALSE');
PREPARE berth_verify FROM @berth_q;
EXECUTE berth_verify;
DEALLOCATE PREPARE berth_verify;`;

interface MysqlFamily {
  id: 'mysql' | 'mariadb';
  label: string;
  versions: Record<string, string>;
  defaultVersion: string;
  /** Client binaries: `mysql`/`mysqldump`/`mysqladmin` or `mariadb`/`mariadb-dump`/`mariadb-admin`. */
  cli: { client: string; dump: string; admin: string };
  /** Env prefix the official image's first start reads: MYSQL_ or MARIADB_. */
  envPrefix: 'MYSQL_' | 'MARIADB_';
}

function mysqlFamily(f: MysqlFamily): DatabaseEngine {
  const p = f.envPrefix;
  // MYSQL_PWD is read by both families' clients; TCP so the password is actually checked.
  const net = ['--protocol=TCP', '--host=127.0.0.1', '--port=3306'];
  return {
    id: f.id,
    label: f.label,
    versions: f.versions,
    defaultVersion: f.defaultVersion,
    port: 3306,
    dataDir: '/var/lib/mysql',
    containerEnv: (c) => ({
      [`${p}ROOT_PASSWORD`]: c.rootPassword ?? c.password,
      [`${p}USER`]: c.user,
      [`${p}PASSWORD`]: c.password,
      [`${p}DATABASE`]: c.database,
      // A newer server image upgrades the system tables of an older data directory on start (MariaDB's
      // image needs to be told; MySQL's does it by itself and ignores this).
      ...(p === 'MARIADB_' ? { MARIADB_AUTO_UPGRADE: '1' } : {}),
    }),
    // Answers once the real server listens on TCP (first-start initialisation runs without networking);
    // `ping` succeeds even when access is denied, so it needs no password.
    healthCheck: [f.cli.admin, ...net, '--connect-timeout=3', 'ping'],
    execEnv: (c) => ({ MYSQL_PWD: c.password }),
    dump: (c) => [f.cli.dump, ...net, `--user=${c.user}`, '--single-transaction', '--routines', '--triggers', '--no-tablespaces', '--skip-comments', c.database],
    restore: (c) => [f.cli.client, ...net, `--user=${c.user}`, c.database],
    verify: (c) => [f.cli.client, ...net, `--user=${c.user}`, '--batch', '--skip-column-names', `--database=${c.database}`, `--execute=${MYSQL_VERIFY_SQL}`],
    parseVerification: parseTabbedReport,
    connectionString: (c, host, port) => `mysql://${encode(c.user)}:${encode(c.password)}@${host}:${port}/${encode(c.database)}`,
    client: (c, host, port) => ({
      argv: [f.cli.client, '--protocol=TCP', `--host=${host}`, `--port=${port}`, '--connect-timeout=5', `--user=${c.user}`, '--batch', '--skip-column-names', c.database],
      env: { MYSQL_PWD: c.password },
    }),
  };
}

const mysql = mysqlFamily({
  id: 'mysql',
  label: 'MySQL',
  versions: { '8.4': 'mysql:8.4', '8.0': 'mysql:8.0' },
  defaultVersion: '8.4',
  cli: { client: 'mysql', dump: 'mysqldump', admin: 'mysqladmin' },
  envPrefix: 'MYSQL_',
});

const mariadb = mysqlFamily({
  id: 'mariadb',
  label: 'MariaDB',
  versions: { '11': 'mariadb:11', '10.11': 'mariadb:10.11' },
  defaultVersion: '11',
  cli: { client: 'mariadb', dump: 'mariadb-dump', admin: 'mariadb-admin' },
  envPrefix: 'MARIADB_',
});

// ---- MongoDB ----

/**
 * mongosh scripts read the credentials from the exec environment (never argv). The connection is made
 * inside the script: `connect()` with a URI built from process.env.
 */
const MONGO_CONNECT =
  "const db0 = connect('mongodb://' + encodeURIComponent(process.env.BERTH_DB_USER) + ':' + encodeURIComponent(process.env.BERTH_DB_PASSWORD) + '@127.0.0.1:27017/' + process.env.BERTH_DB_NAME + '?authSource=admin');";
const MONGO_VERIFY_JS = `${MONGO_CONNECT}
const hashes = db0.runCommand({ dbHash: 1 }).collections || {};
db0.getCollectionNames().sort().forEach((n) => print(n + '\\t' + db0.getCollection(n).countDocuments({}) + '\\t' + (hashes[n] || '')));`;

/**
 * mongodump/mongorestore take the password only from argv or a config file: a constant script writes
 * it from the environment into a private config file first (no user input reaches the script).
 */
const mongoTool = (tool: string) => [
  'sh', '-c',
  `umask 077; f=$(mktemp); printf 'password: "%s"\\n' "$BERTH_DB_PASSWORD" > "$f"; ${tool} --config="$f" --host=127.0.0.1 --port=27017 --username="$BERTH_DB_USER" --authenticationDatabase=admin --archive --quiet; rc=$?; rm -f "$f"; exit $rc`,
];

const mongodb: DatabaseEngine = {
  id: 'mongodb',
  label: 'MongoDB',
  versions: { '7': 'mongo:7', '6': 'mongo:6', '8': 'mongo:8' },
  defaultVersion: '7',
  port: 27017,
  dataDir: '/data/db',
  containerEnv: (c) => ({ MONGO_INITDB_ROOT_USERNAME: c.user, MONGO_INITDB_ROOT_PASSWORD: c.password, MONGO_INITDB_DATABASE: c.database }),
  healthCheck: ['mongosh', '--quiet', '--norc', '--eval', "db.adminCommand('ping').ok ? quit(0) : quit(1)", 'mongodb://127.0.0.1:27017/admin'],
  execEnv: (c) => ({ BERTH_DB_USER: c.user, BERTH_DB_PASSWORD: c.password, BERTH_DB_NAME: c.database }),
  versionChange: (from, to) => (Number.parseInt(to, 10) - Number.parseInt(from, 10) > 1 ? `MongoDB upgrades one major version at a time: change ${from} to ${Number.parseInt(from, 10) + 1} first` : undefined),
  dump: () => mongoTool('mongodump --db="$BERTH_DB_NAME"'),
  restore: () => mongoTool('mongorestore --drop --nsInclude="$BERTH_DB_NAME.*"'),
  verify: () => ['mongosh', '--quiet', '--norc', '--nodb', '--eval', MONGO_VERIFY_JS],
  parseVerification: parseTabbedReport,
  connectionString: (c, host, port) => `mongodb://${encode(c.user)}:${encode(c.password)}@${host}:${port}/${encode(c.database)}?authSource=admin`,
  client: (c, host, port) => ({
    // The script on stdin runs with `db0` connected; what it evaluates to is printed.
    argv: ['mongosh', '--quiet', '--norc', '--nodb', '--eval', `${MONGO_CONNECT.replace('127.0.0.1:27017', `${host}:${port}`)} print(eval(require('fs').readFileSync(0, 'utf8')));`],
    env: { BERTH_DB_USER: c.user, BERTH_DB_PASSWORD: c.password, BERTH_DB_NAME: c.database },
  }),
};

// ---- Redis ----

/**
 * Every non-empty logical database: its key count and a checksum over the sorted keys, their types and
 * canonical values (so values count, not just names). Canonical, not DUMP: a hashtable-encoded set or
 * hash serialises in its table's iteration order, which a reload changes. Runs server-side as one script.
 */
const REDIS_VERIFY_LUA = `
local function canonical(k)
  local t = redis.call('TYPE', k).ok
  local v
  if t == 'string' then v = {redis.call('GET', k)}
  elseif t == 'list' then v = redis.call('LRANGE', k, 0, -1)
  elseif t == 'set' then v = redis.call('SMEMBERS', k); table.sort(v)
  elseif t == 'zset' then v = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
  elseif t == 'hash' then
    local flat = redis.call('HGETALL', k)
    v = {}
    for i = 1, #flat, 2 do v[#v + 1] = flat[i] .. '=' .. redis.sha1hex(flat[i + 1]) end
    table.sort(v)
  else v = {redis.sha1hex(redis.call('DUMP', k))} end
  local ttl = redis.call('PTTL', k) >= 0 and ':ttl' or ''
  return t .. ttl .. ':' .. redis.sha1hex(table.concat(v, '\\0'))
end
local out = {}
for i = 0, 15 do
  local ok = pcall(redis.call, 'SELECT', i)
  if not ok then break end
  local keys = redis.call('KEYS', '*')
  if #keys > 0 then
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = k .. '=' .. canonical(k) end
    out[#out + 1] = 'db' .. i .. '\\t' .. #keys .. '\\t' .. redis.sha1hex(table.concat(parts, '\\n'))
  end
end
return table.concat(out, '\\n')`;

/**
 * The official redis image reads no password from the environment, and a password in the command
 * would show in the service spec and `ps`: a constant script writes REDIS_PASSWORD into a private
 * config file and execs the server. AOF persistence; no RDB snapshots (`save ''`) so the data dir's
 * dump.rdb is only ever what a restore put there; DEBUG allowed from inside the container only, for
 * `DEBUG RELOAD` (the restore).
 */
// `repl-diskless-sync-delay 0`: `redis-cli --rdb` (the dump) is served at once instead of after 5 s.
const REDIS_START =
  "umask 077; printf 'requirepass %s\\n' \"$REDIS_PASSWORD\" > /tmp/berth-redis.conf; exec redis-server /tmp/berth-redis.conf --dir /data --appendonly yes --save '' --repl-diskless-sync-delay 0 --enable-debug-command local --protected-mode no";

const redisCli = ['redis-cli', '-e', '-h', '127.0.0.1', '-p', '6379', '--no-auth-warning'];

const redis: DatabaseEngine = {
  id: 'redis',
  label: 'Redis',
  versions: { '7': 'redis:7', '7.2': 'redis:7.2', '6': 'redis:6' },
  defaultVersion: '7',
  port: 6379,
  dataDir: '/data',
  containerEnv: (c) => ({ REDIS_PASSWORD: c.password, REDISCLI_AUTH: c.password }),
  command: () => ['sh', '-c', REDIS_START],
  // `-e`: exit non-zero on an error reply (NOAUTH), so this passes only once authenticated.
  healthCheck: ['redis-cli', '-e', '-h', '127.0.0.1', '-p', '6379', '--no-auth-warning', 'ping'],
  execEnv: (c) => ({ REDISCLI_AUTH: c.password }),
  dump: () => [...redisCli, '--rdb', '-'],
  // See restoreSteps: the first step of the restore (the dump goes into the data dir as dump.rdb).
  restore: () => ['dd', 'of=/data/dump.rdb', 'status=none'],
  restoreSteps: () => [
    { argv: ['dd', 'of=/data/dump.rdb', 'status=none'], stdin: true },
    { argv: [...redisCli, 'DEBUG', 'RELOAD', 'NOSAVE'] },
    { argv: [...redisCli, 'BGREWRITEAOF'] },
    { argv: ['rm', '-f', '/data/dump.rdb'] },
  ],
  verify: () => [...redisCli, '--raw', 'EVAL', REDIS_VERIFY_LUA, '0'],
  parseVerification: parseTabbedReport,
  connectionString: (c, host, port) => `redis://:${encode(c.password)}@${host}:${port}/0`,
  client: (c, host, port) => ({
    argv: ['redis-cli', '-e', '-h', host, '-p', String(port), '--no-auth-warning', '--raw'],
    env: { REDISCLI_AUTH: c.password },
  }),
};

export const ENGINES: Readonly<Record<DatabaseEngineId, DatabaseEngine>> = { postgres, mysql, mariadb, mongodb, redis };

export const ENGINE_IDS = Object.keys(ENGINES) as DatabaseEngineId[];

export function engineById(id: DatabaseEngineId): DatabaseEngine {
  return ENGINES[id];
}

/** Numeric comparison of versions such as '10.11' and '11' (segment by segment). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * Why changing a database from `from` to `to` in place is refused, or undefined. No engine can open a
 * data directory written by a newer version; some cannot open an older one either (engine.versionChange).
 */
export function versionChangeRefusal(engine: DatabaseEngine, from: string, to: string): string | undefined {
  if (from === to) return undefined;
  if (compareVersions(to, from) < 0) {
    return `${engine.label} ${to} cannot open a data directory written by ${from} (downgrades are not possible in place): create a new database at ${to} and restore a backup into it`;
  }
  return engine.versionChange?.(from, to);
}

/** The steps restoring a dump: the engine's own list, or "run `restore` with the dump on stdin". */
export function restoreSteps(engine: DatabaseEngine, c: DatabaseCredentials): RestoreStep[] {
  return engine.restoreSteps?.(c) ?? [{ argv: engine.restore(c), stdin: true }];
}

/**
 * The image for an engine version: the engine's default (what production pulls), unless the
 * `BERTH_DATABASE_IMAGES` map names another for `<default image>` or `<engine>:<version>`
 * (tests map `postgres:16` to the locally built `berth/postgres:15`).
 */
export function imageFor(engine: DatabaseEngine, version: string, overrides: Readonly<Record<string, string>> = {}): string {
  const image = engine.versions[version];
  if (!image) throw new Error(`${engine.label} has no version ${version}`);
  return overrides[image] ?? overrides[`${engine.id}:${version}`] ?? image;
}
