// berth dns-providers … and berth ssl wildcard in-process against a real API (real database, no job
// worker): add for each type with the secret from an environment variable or stdin (never argv), list,
// remove, --org for an organisation's providers, --json; a missing or bad secret or flag → an error naming
// the variable or flag, nothing stored; the wildcard refused with the command to run, then queued and
// shown by `berth ssl status`. No secret ever appears in any output.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner } from '../../test/support/client.ts';
import { berthInProcess, cliLogin } from './test-fixtures/in-process.ts';
import { noStack } from './test-fixtures/cli-server.ts';

const TSIG_SECRET = 'bs+ixYnV04mxVS/afbuJ+cOyOqm2jDBpIeXTqZNNeBM=';
const CF_TOKEN = 'Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SECRETS = [TSIG_SECRET, CF_TOKEN, AWS_SECRET];

const BIND = ['--type', 'rfc2136', '--zone', 'example.com', '--server', '192.0.2.53:53', '--key-name', 'berth-acme'];

describe('berth dns-providers and ssl wildcard', () => {
  let t: TestApp;
  let login: Record<string, string>;
  let seen = '';

  async function berth(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}) {
    const r = await berthInProcess(args, { ...login, ...opts.env }, opts.stdin);
    seen += r.stdout + r.stderr;
    noStack(r.stderr);
    return r;
  }
  const stored = async () => (await t.db.pool.query<{ name: string }>('SELECT name FROM dns_providers ORDER BY name')).rows.map((r) => r.name);

  before(async () => {
    t = await testApp();
    const owner = await setupOwner(t.api, t.setupToken);
    login = await cliLogin(t, owner);
  });
  after(async () => {
    await t.close();
  });

  it('a missing secret is refused before anything is sent, naming the variable and --secret-stdin', async () => {
    const none = await berth(['dns-providers', 'add', 'bind', ...BIND]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: no secret: the TSIG secret is read from BERTH_TSIG_SECRET, or from stdin with --secret-stdin — never from a flag; nothing was stored\n$/);
    const cf = await berth(['dns-providers', 'add', 'cf', '--type', 'cloudflare', '--zone', 'example.org', '--json']);
    assert.equal(cf.code, 1);
    assert.deepEqual(JSON.parse(cf.stderr), {
      error: 'usage',
      message: 'no secret: the Cloudflare API token is read from BERTH_CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN, or from stdin with --secret-stdin — never from a flag; nothing was stored',
    });
    const empty = await berth(['dns-providers', 'add', 'bind', ...BIND, '--secret-stdin'], { stdin: '\n' });
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /--secret-stdin: stdin was empty \(expected the TSIG secret\)/);
    assert.deepEqual(await stored(), []);
  });

  it('flags: a missing required one and one of another type are named; bad values come back as flags', async () => {
    const env = { BERTH_TSIG_SECRET: TSIG_SECRET };
    const noServer = await berth(['dns-providers', 'add', 'bind', '--type', 'rfc2136', '--zone', 'example.com'], { env });
    assert.match(noServer.stderr, /^error: a rfc2136 provider needs --server and --key-name$/m);
    const foreign = await berth(['dns-providers', 'add', 'bind', ...BIND, '--zone-id', '023e105f4ecef8ad9ca31a8372d0c353'], { env });
    assert.match(foreign.stderr, /^error: --zone-id: not an option of a rfc2136 provider$/m);
    const badType = await berth(['dns-providers', 'add', 'x', '--type', 'godaddy', '--zone', 'example.com'], { env });
    assert.notEqual(badType.code, 0);
    assert.match(badType.stderr, /--type <type>' argument 'godaddy' is invalid\. Allowed choices are rfc2136, cloudflare, route53/);
    const badServer = await berth(['dns-providers', 'add', 'bind', ...BIND.slice(0, 4), '--server', 'ns1;rm -rf /', '--key-name', 'berth-acme'], { env });
    assert.equal(badServer.code, 1);
    assert.match(badServer.stderr, /^error: --server: expected the primary server as host or host:port/m);
    const badSecret = await berth(['dns-providers', 'add', 'bind', ...BIND], { env: { BERTH_TSIG_SECRET: 'not base64!' } });
    assert.equal(badSecret.code, 1);
    assert.match(badSecret.stderr, /^error: the TSIG secret \(BERTH_TSIG_SECRET or --secret-stdin\): expected the base64 TSIG secret/m);
    const badName = await berth(['dns-providers', 'add', 'Bad Name', ...BIND], { env });
    assert.match(badName.stderr, /^error: <name>: /m);
    assert.deepEqual(await stored(), []);
  });

  it('adds each type with its secret from the environment or stdin; the answer never carries it', async () => {
    const bind = await berth(['dns-providers', 'add', 'bind', ...BIND], { env: { BERTH_TSIG_SECRET: TSIG_SECRET } });
    assert.equal(bind.code, 0, bind.stderr);
    assert.equal(
      bind.stdout,
      'Added the rfc2136 DNS provider bind for the installation: it may write _acme-challenge records under example.com.\nThe base domain\'s wildcard certificate uses it: `berth ssl wildcard`.\n',
    );
    const cf = await berth(['dns-providers', 'add', 'cf', '--type', 'cloudflare', '--zone', 'example.org', '--secret-stdin', '--json'], { stdin: `${CF_TOKEN}\n` });
    assert.equal(cf.code, 0, cf.stderr);
    const cfOut = JSON.parse(cf.stdout);
    assert.deepEqual([cfOut.name, cfOut.type, cfOut.zone, cfOut.settings], ['cf', 'cloudflare', 'example.org', {}]);
    const aws = await berth(['dns-providers', 'add', 'aws', '--type', 'route53', '--zone', 'example.net', '--access-key-id', 'AKIAIOSFODNN7EXAMPLE', '--region', 'eu-west-1', '--json'], {
      env: { AWS_SECRET_ACCESS_KEY: AWS_SECRET },
    });
    assert.equal(aws.code, 0, aws.stderr);
    assert.deepEqual(JSON.parse(aws.stdout).settings, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', region: 'eu-west-1' });
    const again = await berth(['dns-providers', 'add', 'bind', ...BIND], { env: { BERTH_TSIG_SECRET: TSIG_SECRET } });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: a DNS provider named bind already exists$/m);
    assert.deepEqual(await stored(), ['aws', 'bind', 'cf']);
    // What went in is what the provider will use: the sealed secret opens to the one given.
    const row = (await t.db.pool.query<{ id: string; sealed: string }>("SELECT id, credentials_sealed AS sealed FROM dns_providers WHERE name = 'cf'")).rows[0]!;
    assert.ok(!SECRETS.some((s) => row.sealed.includes(s)));
    assert.deepEqual(JSON.parse(t.ctx.secrets.open(row.sealed, `dns_providers/${row.id}/credentials_sealed`)), { apiToken: CF_TOKEN }, 'the token from stdin, without its newline');
  });

  it('lists the providers as a table and as JSON, secrets never shown', async () => {
    const human = await berth(['dns-providers', 'list']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^NAME\s+TYPE\s+ZONE\s+SETTINGS\s+ADDED$/m);
    assert.match(human.stdout, /^bind\s+rfc2136\s+example\.com\s+server=192\.0\.2\.53:53 keyName=berth-acme algorithm=hmac-sha256 transport=udp\s+\d{4}-\d\d-\d\d \d\d:\d\d$/m);
    assert.match(human.stdout, /^aws\s+route53\s+example\.net\s+region=eu-west-1 accessKeyId=AKIAIOSFODNN7EXAMPLE\s+/m);
    const json = await berth(['dns', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout).map((p: { name: string }) => p.name), ['aws', 'bind', 'cf']);
  });

  it("--org manages the organisation's own providers, apart from the installation's", async () => {
    const empty = await berth(['dns-providers', 'list', '--org', 'acme']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /^No DNS providers for organisation acme: add one with `berth dns-providers add <name> --type rfc2136\|cloudflare\|route53 --zone <zone>`\.$/m);
    const added = await berth(['dns-providers', 'add', 'bind', ...BIND, '--org', 'acme', '--secret-stdin'], { stdin: TSIG_SECRET });
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, 'Added the rfc2136 DNS provider bind for organisation acme: it may write _acme-challenge records under example.com.\n');
    const listed = await berth(['dns-providers', 'list', '--org', 'acme', '--json']);
    assert.deepEqual(JSON.parse(listed.stdout).map((p: { name: string }) => p.name), ['bind']);
    const orgRows = await t.db.pool.query("SELECT 1 FROM dns_providers WHERE name = 'bind' AND org_id IS NOT NULL");
    assert.equal(orgRows.rowCount, 1);
    const removed = await berth(['dns-providers', 'remove', 'bind', '--org', 'acme', '--json']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(JSON.parse(removed.stdout).removed.name, 'bind');
    // The installation's provider of the same name is still there.
    assert.equal((await t.db.pool.query("SELECT 1 FROM dns_providers WHERE name = 'bind' AND org_id IS NULL")).rowCount, 1);
    const none = await berth(['dns-providers', 'rm', 'bind', '--org', 'acme']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: organisation acme has no DNS provider bind \(its providers: none\)$/m);
  });

  it('ssl wildcard names the command to run for each missing prerequisite, then queues it; ssl status shows it', async () => {
    const noDomain = await berth(['ssl', 'wildcard']);
    assert.equal(noDomain.code, 1);
    assert.match(noDomain.stderr, /^error: no base domain is set: set one with `berth config set domain <base>`$/m);
    assert.equal((await berth(['config', 'set', 'domain', 'apps.example.com'])).code, 0);
    const noHttps = await berth(['ssl', 'wildcard', '--json']);
    assert.equal(noHttps.code, 1);
    assert.deepEqual(JSON.parse(noHttps.stderr), { error: 'invalid', message: 'HTTPS is not enabled: enable it with `berth ssl enable --email <address>`' });
    assert.equal((await berth(['ssl', 'enable', '--email', 'ops@example.com'])).code, 0);
    // A provider whose zone does not cover the base.
    assert.equal((await berth(['dns-providers', 'remove', 'bind'])).code, 0);
    const noProvider = await berth(['ssl', 'wildcard']);
    assert.match(noProvider.stderr, /^error: no installation DNS provider has a zone covering apps\.example\.com: add one with `berth dns-providers add/m);
    assert.equal((await berth(['dns-providers', 'add', 'bind', ...BIND], { env: { BERTH_TSIG_SECRET: TSIG_SECRET } })).code, 0);

    const ok = await berth(['ssl', 'wildcard']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Issuing \*\.apps\.example\.com and apps\.example\.com over DNS-01 through the DNS provider bind; follow with `berth ssl status`\./);
    const json = await berth(['ssl', 'wildcard', '--json']);
    assert.deepEqual(JSON.parse(json.stdout), { host: '*.apps.example.com', hosts: ['*.apps.example.com', 'apps.example.com'], dnsProvider: 'bind', queued: true });
    const jobs = await t.db.pool.query("SELECT 1 FROM jobs WHERE type = 'issue-certificate' AND payload->>'host' = '*.apps.example.com'");
    assert.equal(jobs.rowCount, 2);

    const status = await berth(['ssl', 'status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^\*\.apps\.example\.com\s+pending\s+\d{4}-/m);
    assert.match(status.stdout, /^Wildcard \*\.apps\.example\.com \(DNS-01\): pending; covers apps\.example\.com and every automatic <service>-<project>\.apps\.example\.com host\.$/m);
    await t.db.pool.query("UPDATE certificates SET status = 'failed', last_error = 'the TXT record was not visible at ns1.example.com within 120 s' WHERE host = '*.apps.example.com'");
    assert.match((await berth(['ssl', 'status'])).stdout, /^Wildcard \*\.apps\.example\.com \(DNS-01\): failed: the TXT record was not visible at ns1\.example\.com within 120 s; covers /m);
  });

  it('no secret was ever printed', () => {
    assert.ok(seen.length > 1000);
    for (const secret of SECRETS) assert.ok(!seen.includes(secret), 'a secret appeared in the output');
  });
});
