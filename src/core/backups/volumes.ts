// Volume backups: a tar of a named volume, read in a throwaway container (no network) that mounts it
// read-only, streamed out through the same gzip → S3 path as dumps; a restore empties the volume and
// unpacks the object into it. Only volumes carrying Berth's managed label are ever mounted.
// Must never write to a volume while backing it up, or leave the throwaway container behind.
import type { ContainerGateway } from '../../infra/docker/containers.ts';
import { assertExecSucceeded } from '../../infra/docker/exec.ts';
import type { Labels } from '../../infra/docker/index.ts';
import type { ObjectStorage } from '../../infra/storage/index.ts';
import { downloadChecked, uploadCompressed, type UploadedObject } from './stream.ts';
import type { StoredBackup } from './verify.ts';

const MOUNT = '/volume';

export interface VolumeJob {
  containers: ContainerGateway;
  storage: ObjectStorage;
  volume: string;
  toolsImage: string;
  labels: Labels;
  signal?: AbortSignal;
}

/** Streams a tar of the volume (gzipped) to `key`. */
export async function backupVolume(o: VolumeJob & { key: string }): Promise<UploadedObject> {
  const signal = o.signal ? { signal: o.signal } : {};
  return o.containers.withScratchContainer(
    { image: o.toolsImage, cmd: ['sleep', 'infinity'], labels: { ...o.labels, 'berth.role': 'volume-backup' }, volumes: [{ name: o.volume, target: MOUNT, readOnly: true }] },
    async (id) => {
      const argv = ['tar', '-c', '-f', '-', '-C', MOUNT, '--numeric-owner', '.'];
      const { stdout, done } = await o.containers.execStream(id, { argv, ...signal });
      const uploaded = await uploadCompressed(stdout, o.storage, o.key, signal);
      const result = await done;
      if (result.exitCode !== 0) {
        await o.storage.delete([o.key]).catch(() => undefined);
        assertExecSucceeded(argv, result);
      }
      return uploaded;
    },
  );
}

/** Replaces the volume's contents with the backup's. */
export async function restoreVolume(o: VolumeJob & { object: StoredBackup }): Promise<void> {
  const signal = o.signal ? { signal: o.signal } : {};
  await o.containers.withScratchContainer(
    { image: o.toolsImage, cmd: ['sleep', 'infinity'], labels: { ...o.labels, 'berth.role': 'volume-restore' }, volumes: [{ name: o.volume, target: MOUNT }] },
    async (id) => {
      const empty = ['find', MOUNT, '-mindepth', '1', '-delete'];
      assertExecSucceeded(empty, await o.containers.exec(id, { argv: empty, ...signal }));
      // --ignore-zeros: read to the end of the stream, past the end-of-archive blocks, so the object is
      // consumed whole (its SHA-256 is checked at the end) and tar never exits while input is still coming.
      const unpack = ['tar', '-x', '-f', '-', '-C', MOUNT, '--numeric-owner', '--same-permissions', '--ignore-zeros'];
      const stdin = await downloadChecked(o.storage, o.object.key, o.object.sha256, signal);
      assertExecSucceeded(unpack, await o.containers.execWithInput(id, { argv: unpack, stdin, ...signal }));
    },
  );
}
