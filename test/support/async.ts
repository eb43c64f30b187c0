// Test-only helpers around promises: polling until a probe answers, expecting a rejection, timing a step.
// (src/jobs/test-fixtures/wait.ts has a waitFor that also retries a probe that throws; this one does not.)
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

/** Polls `probe` every 200 ms until it returns something other than undefined; a throw ends the wait. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await delay(200);
  }
}

/** What `work` rejects with; fails the test if it resolves. */
export async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

/** Runs `work` and prints how long it took as a TAP comment (`# label: N ms`), also when it fails. */
export async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    console.log(`# ${label}: ${Math.round(performance.now() - started)} ms`);
  }
}
