// Where the CLI keeps its login: `$XDG_CONFIG_HOME/berth/config.json` (default ~/.config/berth), a
// 0600 file in a 0700 directory, written atomically. BERTH_URL / BERTH_API_KEY / BERTH_ORG override it.
// It must never print or log the key.
import { chmodSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, closeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CliError } from './errors.ts';

export interface StoredLogin {
  url: string;
  apiKey: string;
  org?: string;
}

export type Env = Record<string, string | undefined>;

export type Source = 'env' | 'file' | 'flag';

export interface Credentials {
  url?: string;
  apiKey?: string;
  org?: string;
  sources: { url?: Source; apiKey?: Source; org?: Source };
  file: string;
}

export function configFile(env: Env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'berth', 'config.json');
}

/** Accepts http(s) URLs only; returns the origin plus any path prefix, without a trailing slash. */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`invalid server URL "${raw}": expected http://host:port or https://host`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`invalid server URL "${raw}": expected http:// or https://`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new CliError(`invalid server URL "${raw}": no credentials, query or fragment`);
  }
  return (url.origin + url.pathname).replace(/\/+$/, '');
}

/** Plain HTTP to anything but this machine. */
export function sendsKeyInClear(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(hostname) && !hostname.startsWith('127.');
}

export function readLogin(file: string): StoredLogin | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: Partial<StoredLogin>;
  try {
    parsed = JSON.parse(text) as Partial<StoredLogin>;
  } catch {
    throw new CliError(`${file} is not valid JSON: run \`berth login\` again or remove it`);
  }
  if (typeof parsed?.url !== 'string' || typeof parsed.apiKey !== 'string') {
    throw new CliError(`${file} lacks url or apiKey: run \`berth login\` again`);
  }
  return { url: parsed.url, apiKey: parsed.apiKey, ...(typeof parsed.org === 'string' ? { org: parsed.org } : {}) };
}

/** Writes the login to a new 0600 file, then renames it over the old one (never a readable moment). */
export function writeLogin(file: string, login: StoredLogin): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = join(dir, `.config.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(login, null, 2) + '\n');
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Removes the stored login; false when there was none. */
export function removeLogin(file: string): boolean {
  try {
    rmSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliError(`cannot remove ${file}: ${(err as Error).message}`);
  }
}

/** The effective credentials: environment variables win over the file, field by field. */
export function resolveCredentials(env: Env): Credentials {
  const file = configFile(env);
  const stored = readLogin(file);
  const creds: Credentials = { sources: {}, file };
  const pick = (key: 'url' | 'apiKey' | 'org', fromEnv: string | undefined) => {
    if (fromEnv) {
      creds[key] = fromEnv;
      creds.sources[key] = 'env';
    } else if (stored?.[key]) {
      creds[key] = stored[key];
      creds.sources[key] = 'file';
    }
  };
  pick('url', env.BERTH_URL);
  pick('apiKey', env.BERTH_API_KEY);
  pick('org', env.BERTH_ORG);
  if (creds.url) creds.url = normalizeUrl(creds.url);
  return creds;
}
