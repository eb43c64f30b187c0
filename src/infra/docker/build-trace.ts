// BuildKit's progress (the `moby.buildkit.trace` records: base64 protobuf StatusResponse) into plain
// log lines: each step once when it starts, "CACHED" or the error when it ends, and its output.
// Keeps per-build state so a step is announced once. Must never throw on a record it cannot read.
import { messagesOf, readFields, stringOf, type WireField } from './build-wire.ts';

// StatusResponse { repeated Vertex vertexes = 1; repeated VertexStatus statuses = 2; repeated VertexLog logs = 3; }
// Vertex { string digest = 1; string name = 3; bool cached = 4; Timestamp started = 5; Timestamp completed = 6; string error = 7; }
// VertexLog { bytes msg = 4; }
const STATUS = { vertexes: 1, logs: 3 } as const;
const VERTEX = { digest: 1, name: 3, cached: 4, started: 5, completed: 6, error: 7 } as const;
const LOG = { msg: 4 } as const;

function has(fields: WireField[], field: number): boolean {
  return fields.some((f) => f.field === field);
}

export class BuildkitTrace {
  private readonly announced = new Set<string>();
  private readonly finished = new Set<string>();

  /** Log lines for one record (may be several, or none). */
  lines(base64: string): string[] {
    let status: WireField[];
    try {
      status = readFields(Buffer.from(base64, 'base64'));
    } catch {
      return [];
    }
    const lines: string[] = [];
    for (const vertex of messagesOf(status, STATUS.vertexes)) lines.push(...this.vertexLines(vertex));
    for (const log of messagesOf(status, STATUS.logs)) {
      const msg = log.find((f) => f.field === LOG.msg)?.value;
      if (Buffer.isBuffer(msg)) lines.push(...msg.toString('utf8').split('\n').filter((line) => line.trim()));
    }
    return lines;
  }

  private vertexLines(vertex: WireField[]): string[] {
    const digest = stringOf(vertex, VERTEX.digest);
    const name = stringOf(vertex, VERTEX.name);
    const lines: string[] = [];
    if (has(vertex, VERTEX.started) && !this.announced.has(digest)) {
      this.announced.add(digest);
      lines.push(`=> ${name}`);
    }
    if (has(vertex, VERTEX.completed) && !this.finished.has(digest)) {
      this.finished.add(digest);
      const error = stringOf(vertex, VERTEX.error);
      if (error) lines.push(`ERROR ${name}: ${error}`);
      else if (vertex.some((f) => f.field === VERTEX.cached && f.value === 1)) lines.push(`CACHED ${name}`);
    }
    return lines;
  }
}
