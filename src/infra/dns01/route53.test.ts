// Route 53 contract: the exact REST-XML requests the provider sends through @aws-sdk/client-route-53
// (SigV4-signed, recorded by a loopback server) and its reading of Route 53's answers and error
// envelopes. Route 53 is not reachable here; the fixtures follow the public Route 53 API reference.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Dns01Error } from './provider.ts';
import { ApiRecorder, type ScriptedReply } from './recorder.test-support.ts';
import { Route53Provider } from './route53.ts';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ZONE_ID = 'Z1D633PJN98FT9';
const NAME = '_acme-challenge.example.com';
const VALUE = 'gfj9Xq-Rs0aA1x2X9Y4lHqJ1aJz9m8b7c6d5e4f3g2h';
const NS = 'xmlns="https://route53.amazonaws.com/doc/2013-04-01/"';
const XML = 'text/xml';

const hostedZones: ScriptedReply = {
  expect: 'GET /2013-04-01/hostedzonesbyname?dnsname=example.com&maxitems=1',
  status: 200,
  contentType: XML,
  body: `<?xml version="1.0" encoding="UTF-8"?>
<ListHostedZonesByNameResponse ${NS}>
  <HostedZones>
    <HostedZone>
      <Id>/hostedzone/${ZONE_ID}</Id>
      <Name>example.com.</Name>
      <CallerReference>2014-04-01-18:47</CallerReference>
      <Config><Comment>public zone</Comment><PrivateZone>false</PrivateZone></Config>
      <ResourceRecordSetCount>3</ResourceRecordSetCount>
    </HostedZone>
  </HostedZones>
  <DNSName>example.com</DNSName>
  <IsTruncated>false</IsTruncated>
  <MaxItems>1</MaxItems>
</ListHostedZonesByNameResponse>`,
};

const listPath = `GET /2013-04-01/hostedzone/${ZONE_ID}/rrset?maxitems=1&name=${NAME}&type=TXT`;
const recordSets = (sets: { name: string; type: string; values: string[] }[]): ScriptedReply => ({
  expect: listPath,
  status: 200,
  contentType: XML,
  body: `<?xml version="1.0" encoding="UTF-8"?>
<ListResourceRecordSetsResponse ${NS}>
  <ResourceRecordSets>${sets
    .map(
      (s) => `
    <ResourceRecordSet>
      <Name>${s.name}</Name>
      <Type>${s.type}</Type>
      <TTL>60</TTL>
      <ResourceRecords>${s.values.map((v) => `<ResourceRecord><Value>${v}</Value></ResourceRecord>`).join('')}</ResourceRecords>
    </ResourceRecordSet>`,
    )
    .join('')}
  </ResourceRecordSets>
  <IsTruncated>false</IsTruncated>
  <MaxItems>1</MaxItems>
</ListResourceRecordSetsResponse>`,
});

const changeInfo = (root: string, status: 'PENDING' | 'INSYNC') => `<?xml version="1.0" encoding="UTF-8"?>
<${root} ${NS}>
  <ChangeInfo>
    <Comment>ACME DNS-01 challenge (Berth)</Comment>
    <Id>/change/C2682N5HXP0BZ4</Id>
    <Status>${status}</Status>
    <SubmittedAt>2026-11-27T08:00:00.000Z</SubmittedAt>
  </ChangeInfo>
</${root}>`;
const changeOk: ScriptedReply = { expect: `POST /2013-04-01/hostedzone/${ZONE_ID}/rrset`, status: 200, contentType: XML, body: changeInfo('ChangeResourceRecordSetsResponse', 'PENDING') };
const errorResponse = (code: string, message: string) =>
  `<?xml version="1.0"?>\n<ErrorResponse ${NS}><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>b25f48e8-84fd-11e6-80d9-574e0c4664cb</RequestId></ErrorResponse>`;

/** The ChangeBatch the provider must send, byte for byte as the SDK serialises it (quotes escaped, Comment last). */
const changeBody = (action: string, values: string[], name = NAME) =>
  `<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest ${NS}><ChangeBatch><Changes><Change><Action>${action}</Action><ResourceRecordSet><Name>${name}</Name><Type>TXT</Type><TTL>60</TTL><ResourceRecords>${values
    .map((v) => `<ResourceRecord><Value>${v.replaceAll('"', '&quot;')}</Value></ResourceRecord>`)
    .join('')}</ResourceRecords></ResourceRecordSet></Change></Changes><Comment>ACME DNS-01 challenge (Berth)</Comment></ChangeBatch></ChangeResourceRecordSetsRequest>`;

describe('Route 53 DNS-01 provider (contract)', () => {
  const api = new ApiRecorder();
  before(() => api.start());
  after(() => api.stop());
  const provider = (over: Partial<ConstructorParameters<typeof Route53Provider>[0]> = {}) =>
    new Route53Provider({ accessKeyId: KEY_ID, secretAccessKey: SECRET, zone: 'example.com', endpoint: api.url, ...over });

  it('present: finds the public hosted zone, reads the TXT set, UPSERTs it with the value added; waits for INSYNC', async () => {
    api.script([
      hostedZones,
      recordSets([{ name: 'example.com.', type: 'A', values: ['192.0.2.1'] }]), // no TXT set yet: the list starts after it
      changeOk,
      { expect: 'GET /2013-04-01/change/C2682N5HXP0BZ4', status: 200, contentType: XML, body: changeInfo('GetChangeResponse', 'PENDING') },
      { expect: 'GET /2013-04-01/change/C2682N5HXP0BZ4', status: 200, contentType: XML, body: changeInfo('GetChangeResponse', 'INSYNC') },
    ]);
    const r53 = provider();
    await r53.present(NAME, VALUE);
    await r53.waitUntilVisible(NAME, VALUE, { timeoutMs: 10_000 });
    assert.equal(api.unanswered, 0, api.lines().join('\n'));
    assert.equal(api.requests[2]!.body, changeBody('UPSERT', [`"${VALUE}"`]));
    assert.match(String(api.requests[2]!.headers['content-type']), /^application\/xml/);
    for (const r of api.requests) {
      assert.match(String(r.headers.authorization), new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/us-east-1/route53/aws4_request, SignedHeaders=[a-z0-9;-]*host;[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}$`));
      assert.match(String(r.headers['x-amz-date']), /^\d{8}T\d{6}Z$/);
      assert.ok(!JSON.stringify(r).includes(SECRET), 'the secret key never travels');
    }
  });

  it('present keeps values already at the name (the wildcard and its base share it), and is idempotent', async () => {
    api.script([recordSets([{ name: `${NAME}.`, type: 'TXT', values: ['"other-value"'] }]), changeOk]);
    await provider({ hostedZoneId: ZONE_ID }).present(NAME, VALUE);
    assert.deepEqual(api.lines(), [listPath, `POST /2013-04-01/hostedzone/${ZONE_ID}/rrset`]);
    assert.equal(api.requests[1]!.body, changeBody('UPSERT', ['"other-value"', `"${VALUE}"`]));
    api.script([recordSets([{ name: `${NAME}.`, type: 'TXT', values: [`"${VALUE}"`] }])]);
    await provider({ hostedZoneId: ZONE_ID }).present(NAME, VALUE);
    assert.deepEqual(api.lines(), [listPath]);
  });

  it('cleanup: DELETEs the set when ours is the only value, UPSERTs the rest otherwise, does nothing when absent', async () => {
    api.script([recordSets([{ name: `${NAME}.`, type: 'TXT', values: [`"${VALUE}"`] }]), changeOk]);
    await provider({ hostedZoneId: ZONE_ID }).cleanup(NAME, VALUE);
    assert.equal(api.requests[1]!.body, changeBody('DELETE', [`"${VALUE}"`], `${NAME}.`));
    api.script([recordSets([{ name: `${NAME}.`, type: 'TXT', values: ['"other-value"', `"${VALUE}"`] }]), changeOk]);
    await provider({ hostedZoneId: ZONE_ID }).cleanup(NAME, VALUE);
    assert.equal(api.requests[1]!.body, changeBody('UPSERT', ['"other-value"'], `${NAME}.`));
    api.script([recordSets([])]);
    await provider({ hostedZoneId: ZONE_ID }).cleanup(NAME, VALUE);
    assert.deepEqual(api.lines(), [listPath]);
  });

  it('Route 53 error envelopes become readable messages naming the step', async () => {
    api.script([
      recordSets([]),
      { expect: `POST /2013-04-01/hostedzone/${ZONE_ID}/rrset`, status: 400, contentType: XML, body: errorResponse('InvalidChangeBatch', "[Invalid Resource Record: 'FATAL problem: TXTRDATATooLong encountered with ''']") },
    ]);
    await assert.rejects(provider({ hostedZoneId: ZONE_ID }).present(NAME, VALUE), (err: Error) => {
      assert.ok(err instanceof Dns01Error);
      assert.match(err.message, /^Route 53 refused to add the TXT record _acme-challenge\.example\.com: HTTP 400 InvalidChangeBatch: \[Invalid Resource Record: 'FATAL problem: TXTRDATATooLong/);
      return true;
    });
    api.script([{ ...hostedZones, status: 403, body: errorResponse('AccessDenied', 'User: arn:aws:iam::123456789012:user/acme is not authorized to perform: route53:ListHostedZonesByName') }]);
    await assert.rejects(provider().present(NAME, VALUE), /^Dns01Error: Route 53 refused to find the hosted zone example\.com: HTTP 403 AccessDenied: User: .* is not authorized/);
  });

  it('a private zone, or no zone of that name, is not used', async () => {
    api.script([{ ...hostedZones, body: hostedZones.body.replace('<PrivateZone>false', '<PrivateZone>true') }]);
    await assert.rejects(provider().present(NAME, VALUE), /Route 53 has no public hosted zone named example\.com/);
    await assert.rejects(provider().present('_acme-challenge.example.org', VALUE), /not inside the zone example\.com/);
  });
});
