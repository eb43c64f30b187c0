// The proxy's directory on the host, bind-mounted into the Caddy container: the admin socket Caddy
// creates there, and the startup config Berth keeps there (the last config it pushed), so a restarted
// Caddy task serves the current routes before the control plane talks to it again.
// Must never leave a half-written config (write, then rename) or make the directory readable by others
// (the admin socket is full control of the proxy).
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ADMIN_SOCKET_FILE = 'admin.sock';
export const STARTUP_CONFIG_FILE = 'caddy.json';

export function adminSocketPath(dir: string): string {
  return join(dir, ADMIN_SOCKET_FILE);
}

export async function ensureProxyDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** The startup config's text, or undefined when there is none yet. */
export async function readStartupConfig(dir: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, STARTUP_CONFIG_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes the startup config atomically; does nothing when the file already holds exactly this text. */
export async function writeStartupConfig(dir: string, config: unknown): Promise<'written' | 'unchanged'> {
  const text = JSON.stringify(config, null, 2) + '\n';
  if ((await readStartupConfig(dir)) === text) return 'unchanged';
  const target = join(dir, STARTUP_CONFIG_FILE);
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o600 });
  await rename(temporary, target);
  return 'written';
}
