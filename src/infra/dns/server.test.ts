// DnsServer over real UDP on loopback: queries are encoded with dns-packet and sent with node:dgram.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet';
import { Invalid } from '../../core/errors.ts';
import { DnsServer } from './index.ts';

const server = new DnsServer({ host: '127.0.0.1', port: 0 });
let port = 0;
let nextId = 1;

type Response = DecodedPacket & { rcode: string };

async function exchange(packet: Packet | Buffer): Promise<Response | undefined> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<Response | undefined>((resolve, reject) => {
      const timer = setTimeout(() => resolve(undefined), 500);
      socket.once('error', reject);
      socket.once('message', (message) => {
        clearTimeout(timer);
        resolve(dnsPacket.decode(message) as Response);
      });
      socket.send(Buffer.isBuffer(packet) ? packet : dnsPacket.encode(packet), port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

async function query(name: string, type: 'A' | 'AAAA' | 'TXT' | 'MX', extra: Partial<Packet> = {}): Promise<Response> {
  const id = nextId++;
  const response = await exchange({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }], ...extra });
  assert.ok(response, `no answer to ${type} ${name}`);
  assert.equal(response.id, id);
  assert.equal(response.type, 'response');
  return response;
}

before(async () => {
  port = (await server.start()).port;
});

after(async () => {
  await server.stop();
});

describe('DnsServer', () => {
  it('answers A for a known name with its current addresses, TTL 1, authoritative', async () => {
    server.setRecords('web.upstream.berth', ['10.0.10.7', '10.0.10.5', '10.0.10.7']);
    const response = await query('web.upstream.berth', 'A');
    assert.equal(response.rcode, 'NOERROR');
    assert.equal(response.flag_aa, true);
    assert.equal(response.flag_rd, true, 'recursion-desired is echoed');
    assert.deepEqual(response.questions, [{ name: 'web.upstream.berth', type: 'A', class: 'IN' }]);
    assert.deepEqual(
      response.answers?.map((a) => ({ name: a.name, type: a.type, ttl: (a as { ttl?: number }).ttl, data: (a as { data: unknown }).data })),
      [
        { name: 'web.upstream.berth', type: 'A', ttl: 1, data: '10.0.10.5' },
        { name: 'web.upstream.berth', type: 'A', ttl: 1, data: '10.0.10.7' },
      ],
    );
  });

  it('follows setRecords at once, is case-insensitive and accepts the absolute form', async () => {
    server.setRecords('web.upstream.berth.', ['10.0.10.9']);
    const response = await query('WEB.Upstream.Berth', 'A');
    assert.deepEqual(response.answers?.map((a) => (a as { data: unknown }).data), ['10.0.10.9']);
    assert.deepEqual(server.lookup('web.upstream.berth'), ['10.0.10.9']);
  });

  it('answers AAAA (and other types) for a known name with an empty authoritative NOERROR', async () => {
    server.setRecords('api.upstream.berth', ['10.0.10.11']);
    for (const type of ['AAAA', 'TXT'] as const) {
      const response = await query('api.upstream.berth', type);
      assert.equal(response.rcode, 'NOERROR', type);
      assert.equal(response.flag_aa, true, `${type} must be authoritative: Go rejects an empty non-authoritative reply`);
      assert.deepEqual(response.answers, [], type);
    }
  });

  it('answers NXDOMAIN for unknown names, and for removed ones', async () => {
    const unknown = await query('example.com', 'A');
    assert.equal(unknown.rcode, 'NXDOMAIN');
    assert.deepEqual(unknown.answers, []);
    server.setRecords('gone.upstream.berth', ['10.0.10.12']);
    assert.equal(server.removeRecords('gone.upstream.berth'), true);
    assert.equal((await query('gone.upstream.berth', 'A')).rcode, 'NXDOMAIN');
    assert.equal((await query('gone.upstream.berth', 'AAAA')).rcode, 'NXDOMAIN');
  });

  it('refuses an empty set and keeps the previous answer', async () => {
    server.setRecords('keep.upstream.berth', ['10.0.10.20']);
    assert.throws(() => server.setRecords('keep.upstream.berth', []), (err) => err instanceof Invalid && /empty answer/.test(err.message));
    const response = await query('keep.upstream.berth', 'A');
    assert.deepEqual(response.answers?.map((a) => (a as { data: unknown }).data), ['10.0.10.20']);
  });

  it('refuses names and addresses it cannot serve', () => {
    assert.throws(() => server.setRecords('Bad_Name!', ['10.0.0.1']), Invalid);
    assert.throws(() => server.setRecords('ok.upstream.berth', ['10.0.0.300']), Invalid);
    assert.throws(() => server.setRecords('ok.upstream.berth', ['fd00::1']), Invalid);
    assert.equal(server.lookup('ok.upstream.berth'), undefined);
  });

  it('keeps a large answer within the UDP size the client announced', async () => {
    const many = Array.from({ length: 100 }, (_, i) => `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    server.setRecords('big.upstream.berth', many);
    const classic = await query('big.upstream.berth', 'A');
    assert.ok(dnsPacket.encode(classic).length <= 512);
    assert.ok((classic.answers?.length ?? 0) > 10 && (classic.answers?.length ?? 0) < 100);
    const edns = await query('big.upstream.berth', 'A', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] });
    assert.equal(edns.answers?.length, 100);
  });

  it('drops garbage and answers NOTIMP for other opcodes', async () => {
    assert.equal(await exchange(Buffer.from('not dns')), undefined);
    const notify = await exchange(Buffer.from(dnsPacket.encode({ type: 'query', id: 77, flags: 4 << 11, questions: [{ type: 'SOA', name: 'x.berth', class: 'IN' }] })));
    assert.equal(notify?.rcode, 'NOTIMP');
    assert.equal(notify?.id, 77);
  });
});

describe('DnsServer state file', () => {
  it('snapshots every change and answers from it after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-dns-'));
    try {
      const stateFile = join(dir, 'records.json');
      const first = new DnsServer({ host: '127.0.0.1', port: 0, stateFile });
      await first.start();
      first.setRecords('web.upstream.berth', ['10.0.10.8']);
      first.setRecords('gone.upstream.berth', ['10.0.10.9']);
      first.removeRecords('gone.upstream.berth');
      await first.stop();
      assert.deepEqual(JSON.parse(await readFile(stateFile, 'utf8')), { 'web.upstream.berth': ['10.0.10.8'] });
      assert.equal((await stat(stateFile)).mode & 0o777, 0o600);

      const second = new DnsServer({ host: '127.0.0.1', port: 0, stateFile });
      const { port: secondPort } = await second.start();
      try {
        const socket = createSocket('udp4');
        const answer = await new Promise<Response>((resolve) => {
          socket.once('message', (message) => resolve(dnsPacket.decode(message) as Response));
          socket.send(dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: 'web.upstream.berth', class: 'IN' }] }), secondPort, '127.0.0.1');
        });
        socket.close();
        assert.deepEqual(answer.answers?.map((a) => (a as { data: unknown }).data), ['10.0.10.8']);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
