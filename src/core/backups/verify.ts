// Verifying a backup by restoring it: a throwaway container of the database's own image (no network at
// all), the engine's restore steps fed from the stored object (SHA-256 checked, gunzipped on the way),
// then the engine's verification query. Volume backups are unpacked into a throwaway container's
// scratch directory and counted. The container is removed whatever happens.
// Must never: attach the throwaway container to a network, reuse the live database, or call a
// backup good when the object's checksum, the restore or the verification failed.
import type { DatabaseCredentials, DatabaseEngine, VerificationReport } from '../databases/engine.ts';
import { restoreSteps } from '../databases/engines.ts';
import { assertExecSucceeded } from '../../infra/docker/exec.ts';
import type { ContainerGateway } from '../../infra/docker/containers.ts';
import type { Labels } from '../../infra/docker/index.ts';
import type { ObjectStorage } from '../../infra/storage/index.ts';
import { downloadChecked } from './stream.ts';

export interface VerificationOutcome {
  passed: boolean;
  report: VerificationReport | null;
  error: string | null;
  durationMs: number;
}

export interface StoredBackup {
  key: string;
  sha256: string;
}

/** How long a throwaway server may take to accept connections. */
const READY_TIMEOUT_MS = 180_000;

/** Restores a dump from `object` into `containerId` with the engine's restore steps. */
export async function restoreDump(o: {
  containers: ContainerGateway;
  containerId: string;
  engine: DatabaseEngine;
  credentials: DatabaseCredentials;
  storage: ObjectStorage;
  object: StoredBackup;
  signal?: AbortSignal;
}): Promise<void> {
  const env = o.engine.execEnv(o.credentials);
  for (const step of restoreSteps(o.engine, o.credentials)) {
    const common = { argv: step.argv, env, ...(o.signal ? { signal: o.signal } : {}) };
    const result = step.stdin
      ? await o.containers.execWithInput(o.containerId, { ...common, stdin: await downloadChecked(o.storage, o.object.key, o.object.sha256, o.signal ? { signal: o.signal } : {}) })
      : await o.containers.exec(o.containerId, common);
    assertExecSucceeded(step.argv, result);
  }
}

/** Runs the engine's verification query in a container and parses its report. */
export async function runVerification(containers: ContainerGateway, containerId: string, engine: DatabaseEngine, credentials: DatabaseCredentials, signal?: AbortSignal): Promise<VerificationReport> {
  const argv = engine.verify(credentials);
  const result = await containers.exec(containerId, { argv, env: engine.execEnv(credentials), ...(signal ? { signal } : {}) });
  assertExecSucceeded(argv, result);
  return engine.parseVerification(result.stdout);
}

export async function verifyDatabaseBackup(o: {
  containers: ContainerGateway;
  storage: ObjectStorage;
  object: StoredBackup;
  engine: DatabaseEngine;
  credentials: DatabaseCredentials;
  image: string;
  labels: Labels;
  signal?: AbortSignal;
}): Promise<VerificationOutcome> {
  const t0 = performance.now();
  const { engine, credentials, containers } = o;
  try {
    const report = await containers.withScratchContainer(
      {
        image: o.image,
        env: engine.containerEnv(credentials),
        ...(engine.command ? { cmd: engine.command(credentials) } : {}),
        labels: { ...o.labels, 'berth.role': 'backup-verification' },
      },
      async (id) => {
        await containers.waitUntilReady(id, { argv: engine.healthCheck, env: engine.execEnv(credentials), timeoutMs: READY_TIMEOUT_MS, ...(o.signal ? { signal: o.signal } : {}) });
        await restoreDump({ containers, containerId: id, engine, credentials, storage: o.storage, object: o.object, ...(o.signal ? { signal: o.signal } : {}) });
        return runVerification(containers, id, engine, credentials, o.signal);
      },
    );
    return { passed: true, report, error: null, durationMs: Math.round(performance.now() - t0) };
  } catch (err) {
    return { passed: false, report: null, error: (err as Error).message, durationMs: Math.round(performance.now() - t0) };
  }
}

/** Unpacks a volume backup in a throwaway container and counts its files and bytes. */
export async function verifyVolumeBackup(o: {
  containers: ContainerGateway;
  storage: ObjectStorage;
  object: StoredBackup;
  toolsImage: string;
  labels: Labels;
  signal?: AbortSignal;
}): Promise<VerificationOutcome> {
  const t0 = performance.now();
  const signal = o.signal ? { signal: o.signal } : {};
  try {
    const report = await o.containers.withScratchContainer(
      { image: o.toolsImage, cmd: ['sleep', 'infinity'], labels: { ...o.labels, 'berth.role': 'backup-verification' } },
      async (id) => {
        // --ignore-zeros: read to the end of the stream, past the end-of-archive blocks, so the object is
        // consumed whole (its SHA-256 is checked at the end) and tar never exits while input is still coming.
        const unpack = ['tar', '-x', '-f', '-', '-C', '/tmp', '--no-same-owner', '--ignore-zeros'];
        assertExecSucceeded(unpack, await o.containers.execWithInput(id, { argv: unpack, stdin: await downloadChecked(o.storage, o.object.key, o.object.sha256, signal), ...signal }));
        const countArgv = ['find', '/tmp', '-mindepth', '1', '-type', 'f', '-printf', '%s\\n'];
        const listed = await o.containers.exec(id, { argv: countArgv, ...signal, maxOutputBytes: 64 * 1024 * 1024 });
        assertExecSucceeded(countArgv, listed);
        const sizes = listed.stdout.split('\n').filter(Boolean).map(Number);
        return { objects: [{ name: 'files', count: sizes.length }, { name: 'bytes', count: sizes.reduce((a, b) => a + b, 0) }] };
      },
    );
    return { passed: true, report, error: null, durationMs: Math.round(performance.now() - t0) };
  } catch (err) {
    return { passed: false, report: null, error: (err as Error).message, durationMs: Math.round(performance.now() - t0) };
  }
}
