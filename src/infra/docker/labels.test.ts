import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Invalid } from '../../core/errors.ts';
import { DockerError, DockerNotFound, DockerUnavailable, isLostRace, isNotFound, toDockerError } from './errors.ts';
import { LabelScheme } from './labels.ts';

describe('LabelScheme', () => {
  const labels = new LabelScheme();

  it('stamps the managed label over whatever the caller said', () => {
    assert.deepEqual(labels.stamp({ 'berth.service': 's1', 'berth.managed': 'false' }), { 'berth.service': 's1', 'berth.managed': 'true' });
  });

  it('refuses labels outside its prefix, naming them', () => {
    assert.throws(() => labels.stamp({ 'traefik.enable': 'true', 'berthx.a': '1' }, 'Labels'), (err: unknown) => {
      assert.ok(err instanceof Invalid);
      assert.deepEqual(err.issues.map((issue) => issue.path), ['Labels/traefik.enable', 'Labels/berthx.a']);
      return true;
    });
  });

  it('recognises managed labels and builds list filters', () => {
    assert.equal(labels.isManaged({ 'berth.managed': 'true' }), true);
    assert.equal(labels.isManaged({ 'berth.managed': 'yes' }), false);
    assert.equal(labels.isManaged(undefined), false);
    assert.deepEqual(labels.managedFilter({ 'berth.test': 'true' }), ['berth.managed=true', 'berth.test=true']);
  });

  it('uses another prefix when asked', () => {
    const other = new LabelScheme('acme.paas');
    assert.equal(other.managedKey, 'acme.paas.managed');
    assert.throws(() => new LabelScheme('Berth!'), Invalid);
  });
});

describe('toDockerError', () => {
  it('distinguishes not-found from other engine errors and keeps the cause', () => {
    const raw404 = Object.assign(new Error('(HTTP code 404) no such service'), { statusCode: 404, json: { message: 'service x not found' } });
    const notFound = toDockerError('service.inspect', raw404);
    assert.ok(notFound instanceof DockerNotFound);
    assert.equal(notFound.cause, raw404);
    assert.equal(isNotFound(notFound), true);
    assert.equal(isNotFound(raw404), true);

    const raw500 = Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500, json: { message: 'rpc error: update out of sequence' } });
    const failed = toDockerError('service.update', raw500);
    assert.ok(failed instanceof DockerError && !(failed instanceof DockerNotFound));
    assert.equal(failed.statusCode, 500);
    assert.equal(failed.operation, 'service.update');
    assert.equal(failed.message, 'docker service.update failed (500): rpc error: update out of sequence');
    assert.equal(isNotFound(failed), false);
    assert.equal(isLostRace(failed), true);
  });

  it('reports a missing socket as unavailable', () => {
    const err = toDockerError('ping', Object.assign(new Error('connect ENOENT /nope.sock'), { code: 'ENOENT' }));
    assert.ok(err instanceof DockerUnavailable);
    assert.equal(err.status, 503);
  });
});
