// Cloudflare contract: the exact requests the provider sends to API v4 (recorded by a loopback server
// answering in Cloudflare's documented envelope { success, errors, messages, result }), and how it
// reads refusals. Cloudflare itself is not reachable here; the fixtures follow its public API reference.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudflareProvider } from './cloudflare.ts';
import { Dns01Error } from './provider.ts';
import { ApiRecorder, type ScriptedReply } from './recorder.test-support.ts';

const TOKEN = 'cf-test-token-0123456789abcdef';
const ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353';
const RECORD_ID = '372e67954025e0ba6aaa6d586b9e0b59';
const NAME = '_acme-challenge.example.com';
const VALUE = 'gfj9Xq-Rs0aA1x2X9Y4lHqJ1aJz9m8b7c6d5e4f3g2h';

const envelope = (result: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ result, success: true, errors: [], messages: [], ...extra });
const failure = (errors: { code: number; message: string }[]) => JSON.stringify({ result: null, success: false, errors, messages: [] });

const zone = { id: ZONE_ID, name: 'example.com', status: 'active', paused: false, type: 'full', name_servers: ['bob.ns.cloudflare.com', 'lola.ns.cloudflare.com'] };
const record = (content: string, id = RECORD_ID) => ({
  id,
  zone_id: ZONE_ID,
  zone_name: 'example.com',
  name: NAME,
  type: 'TXT',
  content,
  proxiable: false,
  proxied: false,
  ttl: 60,
  settings: {},
  meta: {},
  comment: 'ACME DNS-01 challenge (Berth)',
  tags: [],
  created_on: '2026-11-27T08:00:00.000000Z',
  modified_on: '2026-11-27T08:00:00.000000Z',
});
const zoneLookup: ScriptedReply = {
  expect: 'GET /zones?name=example.com',
  status: 200,
  body: envelope([zone], { result_info: { page: 1, per_page: 20, count: 1, total_count: 1, total_pages: 1 } }),
};

describe('Cloudflare DNS-01 provider (contract)', () => {
  const api = new ApiRecorder();
  before(() => api.start());
  after(() => api.stop());
  const provider = (over: Partial<ConstructorParameters<typeof CloudflareProvider>[0]> = {}) => new CloudflareProvider({ apiToken: TOKEN, zone: 'example.com', apiUrl: api.url, ...over });

  it('present: finds the zone by name, then creates a quoted TXT record with a short TTL', async () => {
    api.script([zoneLookup, { expect: `POST /zones/${ZONE_ID}/dns_records`, status: 200, body: envelope(record(`"${VALUE}"`)) }]);
    await provider().present(NAME, VALUE);
    assert.deepEqual(api.lines(), ['GET /zones?name=example.com', `POST /zones/${ZONE_ID}/dns_records`]);
    for (const r of api.requests) assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(api.requests[0]!.body, '');
    assert.equal(api.requests[1]!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(api.requests[1]!.body), { type: 'TXT', name: NAME, content: `"${VALUE}"`, ttl: 60, comment: 'ACME DNS-01 challenge (Berth)' });
    assert.equal(api.unanswered, 0);
  });

  it('present twice: Cloudflare\'s "identical record already exists" (81058) is success', async () => {
    api.script([{ expect: `POST /zones/${ZONE_ID}/dns_records`, status: 400, body: failure([{ code: 81058, message: 'An identical record already exists.' }]) }]);
    await provider({ zoneId: ZONE_ID }).present(NAME, VALUE);
    assert.deepEqual(api.lines(), [`POST /zones/${ZONE_ID}/dns_records`]);
  });

  it('cleanup: lists the TXT records at the name and deletes only the one with our value', async () => {
    const other = record('"someone-elses-value"', 'aaaabbbbccccddddeeeeffff00001111');
    api.script([
      { expect: `GET /zones/${ZONE_ID}/dns_records?type=TXT&name=${NAME}&per_page=100`, status: 200, body: envelope([other, record(`"${VALUE}"`)]) },
      { expect: `DELETE /zones/${ZONE_ID}/dns_records/${RECORD_ID}`, status: 200, body: envelope({ id: RECORD_ID }) },
    ]);
    await provider({ zoneId: ZONE_ID }).cleanup(NAME, VALUE);
    assert.deepEqual(api.lines(), [`GET /zones/${ZONE_ID}/dns_records?type=TXT&name=${NAME}&per_page=100`, `DELETE /zones/${ZONE_ID}/dns_records/${RECORD_ID}`]);
    assert.equal(api.requests[1]!.body, '');
    assert.equal(api.requests[1]!.headers.authorization, `Bearer ${TOKEN}`);
  });

  it('cleanup of a value that is not there sends no DELETE', async () => {
    api.script([
      zoneLookup,
      { expect: `GET /zones/${ZONE_ID}/dns_records?type=TXT&name=${NAME}&per_page=100`, status: 200, body: envelope([]) },
    ]);
    await provider().cleanup(NAME, VALUE);
    assert.equal(api.requests.length, 2);
  });

  it('success:false with errors[] becomes a readable message (and never the token)', async () => {
    api.script([{ expect: 'GET /zones?name=example.com', status: 403, body: failure([{ code: 10000, message: 'Authentication error' }]) }]);
    await assert.rejects(provider().present(NAME, VALUE), (err: Error) => {
      assert.ok(err instanceof Dns01Error);
      assert.equal(err.message, 'Cloudflare refused to find the zone example.com: Authentication error (code 10000)');
      assert.ok(!err.message.includes(TOKEN));
      return true;
    });
    api.script([
      zoneLookup,
      { expect: `POST /zones/${ZONE_ID}/dns_records`, status: 400, body: failure([{ code: 9005, message: 'Content for TXT record is invalid.' }, { code: 1004, message: 'DNS Validation Error' }]) },
    ]);
    await assert.rejects(provider().present(NAME, VALUE), /^Dns01Error: Cloudflare refused to add the TXT record _acme-challenge\.example\.com: Content for TXT record is invalid\. \(code 9005\); DNS Validation Error \(code 1004\)$/);
  });

  it('a zone the token cannot see, a non-JSON answer and an unreachable API are named', async () => {
    api.script([{ expect: 'GET /zones?name=example.com', status: 200, body: envelope([]) }]);
    await assert.rejects(provider().present(NAME, VALUE), /Cloudflare has no zone named example\.com that this API token can see/);
    api.script([{ expect: 'GET /zones?name=example.com', status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' }]);
    await assert.rejects(provider().present(NAME, VALUE), /Cloudflare refused to find the zone example\.com: HTTP 502 without an error message/);
    await assert.rejects(provider({ apiUrl: 'http://127.0.0.1:9' }).present(NAME, VALUE), /Cloudflare could not be reached to find the zone example\.com/);
    await assert.rejects(provider().present('_acme-challenge.example.org', VALUE), /not inside the zone example\.com/);
  });
});
