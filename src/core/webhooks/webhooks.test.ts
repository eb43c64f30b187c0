// Providers' signature schemes and push parsing, and the deploy decision (ref + watch paths).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { PROVIDERS, providerFor } from './providers.ts';
import { decide } from './webhooks.ts';

const secret = 's3cret-webhook';
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), commits: [{ added: ['src/a.ts'], modified: ['README.md'], removed: [] }] }));
const sig = createHmac('sha256', secret).update(body).digest('hex');

describe('webhook providers', () => {
  const cases: [string, Record<string, string>, Record<string, string>][] = [
    ['github', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sig}` }, { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }],
    ['gitea', { 'x-gitea-event': 'push', 'x-gitea-signature': sig }, { 'x-gitea-event': 'push', 'x-gitea-signature': sig.replace(/.$/, '0') }],
    ['gitlab', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': secret }, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'nope' }],
    ['bitbucket', { 'x-event-key': 'repo:push', 'x-hub-signature': `sha256=${sig}` }, { 'x-event-key': 'repo:push' }],
    ['generic', { 'x-berth-signature': `sha256=${sig}` }, {}],
  ];
  for (const [name, good, bad] of cases) {
    it(`${name}: accepts the right signature, refuses a wrong or missing one`, () => {
      const p = providerFor(good);
      assert.equal(p.name, name);
      assert.equal(p.verify({ headers: good, body, secret }), true);
      assert.equal(providerFor(bad).verify({ headers: bad, body, secret }), false);
      assert.equal(p.verify({ headers: good, body: Buffer.concat([body, Buffer.from(' ')]), secret }), name === 'gitlab', 'a changed body breaks an HMAC');
    });
  }

  it('parses pushes: ref, commit, changed files', () => {
    const github = PROVIDERS.find((p) => p.name === 'github')!.parse(JSON.parse(body.toString()));
    assert.deepEqual(github, { ref: 'refs/heads/main', commit: 'a'.repeat(40), changedFiles: ['src/a.ts', 'README.md'] });
    const bb = PROVIDERS.find((p) => p.name === 'bitbucket')!.parse({ push: { changes: [{ new: { type: 'tag', name: 'v1.2', target: { hash: 'b'.repeat(40) } } }] } });
    assert.deepEqual(bb, { ref: 'refs/tags/v1.2', commit: 'b'.repeat(40), changedFiles: null });
    const generic = PROVIDERS.find((p) => p.name === 'generic')!.parse({ branch: 'dev', changedFiles: ['x'] });
    assert.deepEqual(generic, { ref: 'refs/heads/dev', commit: null, changedFiles: ['x'] });
  });
});

describe('deploy decision', () => {
  const push = { ref: 'refs/heads/main', commit: 'c'.repeat(40), changedFiles: ['src/app.ts', 'docs/x.md'] };
  it('deploys a push to the followed branch or tag', () => {
    assert.deepEqual(decide(push, { ref: 'main', watchPaths: [] }), { deploy: true, commit: 'c'.repeat(40) });
    assert.equal(decide({ ...push, ref: 'refs/tags/v2' }, { ref: 'v2', watchPaths: [] }).deploy, true);
  });
  it('ignores another branch', () => {
    const d = decide({ ...push, ref: 'refs/heads/feature' }, { ref: 'main', watchPaths: [] });
    assert.equal(d.deploy, false);
    assert.match((d as { reason: string }).reason, /follows main/);
  });
  it('watch paths: deploys only when a changed file matches; unknown file lists deploy', () => {
    assert.equal(decide(push, { ref: 'main', watchPaths: ['src/**'] }).deploy, true);
    assert.equal(decide(push, { ref: 'main', watchPaths: ['api/**', 'Dockerfile'] }).deploy, false);
    assert.equal(decide({ ...push, changedFiles: null }, { ref: 'main', watchPaths: ['api/**'] }).deploy, true);
  });
});
