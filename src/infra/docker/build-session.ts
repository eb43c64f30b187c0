// A BuildKit session over the Engine API, so builds can read secrets without them touching a layer,
// the history or a build argument. Docker (20.10 and later) lets a client attach a session with
// `POST /session` (the connection is hijacked and upgraded to h2c); the engine then calls the client's
// gRPC services over it. Berth serves exactly two: the health check the engine polls every second,
// and `moby.buildkit.secrets.v1.Secrets/GetSecret`, answered from memory. Spoken with node:http2 and
// a few bytes of protobuf (build-wire.ts), so no gRPC library is needed.
// Must never: write a secret to disk, log one, or serve anything else (no file sync: the build
// context is still the uploaded tar, so the engine cannot read Berth's file system through this).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { toDockerError } from './errors.ts';
import { bytesField, readFields, stringOf, varintField } from './build-wire.ts';

export interface BuildSession {
  /** Passed to the build as `session`. */
  id: string;
  close(): void;
}

export interface BuildSessionOptions {
  secrets: ReadonlyMap<string, string | Buffer>;
}

const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
const GET_SECRET = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
const MAX_REQUEST = 64 * 1024;
const GRPC = { ok: '0', notFound: '5', unimplemented: '12', invalid: '3' } as const;
/** HealthCheckResponse { status = SERVING (1) } */
const SERVING = varintField(1, 1);

function grpcFrame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function replyStatus(stream: ServerHttp2Stream, status: string, message: string): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': status, 'grpc-message': message }, { endStream: true });
}

function replyMessage(stream: ServerHttp2Stream, message: Buffer): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': GRPC.ok }));
  stream.end(grpcFrame(message));
}

/** The one unary request message of a gRPC call (uncompressed). */
function requestMessage(body: Buffer): Buffer | undefined {
  if (body.length < 5 || body[0] !== 0) return undefined;
  const length = body.readUInt32BE(1);
  return body.length >= 5 + length ? body.subarray(5, 5 + length) : undefined;
}

function answer(stream: ServerHttp2Stream, path: string, body: Buffer, secrets: ReadonlyMap<string, string | Buffer>): void {
  if (path === HEALTH_CHECK) return replyMessage(stream, SERVING);
  if (path !== GET_SECRET) return replyStatus(stream, GRPC.unimplemented, 'not served by Berth');
  const request = requestMessage(body);
  if (!request) return replyStatus(stream, GRPC.invalid, 'malformed request');
  // GetSecretRequest { string ID = 1; map<string,string> annotations = 2; }
  const id = stringOf(readFields(request), 1);
  const secret = secrets.get(id);
  if (secret === undefined) return replyStatus(stream, GRPC.notFound, `secret ${id} not found`);
  // GetSecretResponse { bytes data = 1; }
  replyMessage(stream, bytesField(1, secret));
}

function serve(socket: Duplex, secrets: ReadonlyMap<string, string | Buffer>): void {
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST) stream.close();
      else chunks.push(chunk);
    });
    stream.on('end', () => {
      try {
        answer(stream, String(headers[':path']), Buffer.concat(chunks), secrets);
      } catch {
        if (!stream.headersSent) replyStatus(stream, GRPC.invalid, 'malformed request');
      }
    });
    stream.on('error', () => {});
  });
  server.on('sessionError', () => {});
  server.emit('connection', socket);
}

export function openBuildSession(docker: Dockerode, options: BuildSessionOptions): Promise<BuildSession> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        method: 'POST',
        path: '/session',
        hijack: true,
        headers: {
          Upgrade: 'h2c',
          'X-Docker-Expose-Session-Uuid': id,
          'X-Docker-Expose-Session-Name': 'berth',
          'X-Docker-Expose-Session-Sharedkey': randomBytes(16).toString('hex'),
          'X-Docker-Expose-Session-Grpc-Method': [HEALTH_CHECK, GET_SECRET],
        },
        statusCodes: { 101: true, 200: true, 400: 'bad parameter', 500: 'server error' },
      },
      (err, result) => {
        if (err) return reject(toDockerError('session', err));
        const socket = result as Duplex;
        socket.on('error', () => {});
        serve(socket, options.secrets);
        resolve({ id, close: () => socket.destroy() });
      },
    );
  });
}
