// A loopback HTTP server standing in for a DNS provider's API in contract tests: it answers a scripted
// list of replies (in the provider's documented wire format) in order and records every request exactly
// as it arrived (method, path with query, headers, body). A request that does not match the script's
// next method and path is answered 599 and recorded, so the test fails on the recorded list.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
  /** What the provider must send next, e.g. `GET /zones?name=example.com`. */
  expect: string;
  status: number;
  body: string;
  contentType?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class ApiRecorder {
  readonly requests: RecordedRequest[] = [];
  #script: ScriptedReply[] = [];
  #server: Server | undefined;

  get url(): string {
    return `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  /** Replaces the script and forgets earlier requests. */
  script(replies: ScriptedReply[]): void {
    this.#script = [...replies];
    this.requests.length = 0;
  }

  /** `METHOD path` of each recorded request. */
  lines(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  get unanswered(): number {
    return this.#script.length;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const recorded = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(recorded);
        const next = this.#script[0];
        if (!next || next.expect !== `${recorded.method} ${recorded.path}`) {
          res.writeHead(599, { 'content-type': 'text/plain' }).end(`unexpected ${recorded.method} ${recorded.path}; expected ${next?.expect ?? 'nothing'}`);
          return;
        }
        this.#script.shift();
        res.writeHead(next.status, { 'content-type': next.contentType ?? 'application/json' }).end(next.body);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }
}
