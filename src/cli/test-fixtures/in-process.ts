// Test-only: the CLI run in-process (runCli) against a test app listening on a loopback port, logged in
// with an API key through BERTH_URL/BERTH_API_KEY and no config file.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { TestApp } from '../../../test/support/app.ts';
import type { Client } from '../../../test/support/client.ts';
import { runCli } from '../program.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Puts `t`'s API on a loopback port; the environment of a `berth` logged in as `user` with a new API key. */
export async function cliLogin(t: TestApp, user: Client): Promise<Record<string, string>> {
  const key = await user.post('/api/me/api-keys', { name: 'cli' });
  assert.equal(key.status, 201);
  await t.api.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.api.server.address() as AddressInfo;
  return { BERTH_URL: `http://127.0.0.1:${port}`, BERTH_API_KEY: key.body.key, XDG_CONFIG_HOME: '/nonexistent-berth-test' };
}

/** `berth <args>` in-process with `env` (not a TTY), `stdin` fed to it when given: its exit code and output. */
export async function berthInProcess(args: string[], env: Record<string, string>, stdin?: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    ...(stdin !== undefined ? { stdin: Readable.from([Buffer.from(stdin)]) } : {}),
  });
  return { code, stdout, stderr };
}
