// The control plane's side of the out-of-process DNS: the answers live in a JSON file (written whole,
// then renamed) that the `berth dns` process watches. The DNS process keeps answering from the last file
// while the control plane restarts or is killed, so Caddy keeps routing.
// Must never write a partial file, or an empty answer for a name.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { RecordStore } from './records.ts';

export function readRecordsFile(file: string): RecordStore {
  try {
    return RecordStore.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new RecordStore();
    throw err;
  }
}

export class RecordsFile {
  #store: RecordStore;
  constructor(
    readonly file: string,
    private readonly resolver: { host: string; port: number },
  ) {
    this.#store = readRecordsFile(file);
  }

  setRecords(name: string, ipv4s: readonly string[]): void {
    this.#store.set(name, ipv4s);
    this.#write();
  }

  removeRecords(name: string): boolean {
    const removed = this.#store.remove(name);
    if (removed) this.#write();
    return removed;
  }

  lookup(name: string): readonly string[] | undefined {
    return this.#store.get(name);
  }

  resolverAddress(): string {
    return `udp/${this.resolver.host}:${this.resolver.port}`;
  }

  #write(): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.#store.toJSON(), null, 2) + '\n', { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}
