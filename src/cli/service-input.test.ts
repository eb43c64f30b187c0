import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect, describeSource, integer, parseAssignment, serviceBody } from './service-input.ts';

describe('parseAssignment', () => {
  it('splits at the first =, keeping = in the value', () => {
    assert.deepEqual(parseAssignment('URL=postgres://a?b=c', {}, '--env-var'), { key: 'URL', value: 'postgres://a?b=c' });
    assert.deepEqual(parseAssignment('EMPTY=', {}, '--env-var'), { key: 'EMPTY', value: '' });
  });

  it("takes a bare KEY's value from the environment, and says so when it is unset", () => {
    assert.deepEqual(parseAssignment('TOKEN', { TOKEN: 's3cret' }, '--secret'), { key: 'TOKEN', value: 's3cret' });
    assert.throws(() => parseAssignment('TOKEN', {}, '--secret'), /--secret TOKEN: expected KEY=VALUE, or KEY with TOKEN set in the environment/);
    assert.throws(() => parseAssignment('=x', {}, '--env-var'), /--env-var "=x": expected KEY=VALUE/);
  });
});

describe('integer', () => {
  it('accepts whole numbers within bounds only', () => {
    const port = integer(1, 65535);
    assert.equal(port('8080'), 8080);
    for (const bad of ['0', '65536', '8.5', '-1', 'eighty', '', '1e3']) assert.throws(() => port(bad), /expected a whole number from 1 to 65535/, bad);
  });
});

describe('collect', () => {
  it('accumulates a repeatable option', () => {
    assert.deepEqual(collect('b', collect('a')), ['a', 'b']);
  });
});

describe('serviceBody', () => {
  it('builds an image service with variables and secrets', () => {
    const body = serviceBody('web', { image: 'nginx:1.27', port: 80, replicas: 2, envVar: ['MODE=prod'], secret: ['DB_PASSWORD=x', 'TOKEN'] }, { TOKEN: 't' });
    assert.deepEqual(body, {
      name: 'web',
      kind: 'app',
      spec: { source: { type: 'image', image: 'nginx:1.27' }, port: 80, replicas: 2 },
      env: [
        { key: 'MODE', value: 'prod', secret: false },
        { key: 'DB_PASSWORD', value: 'x', secret: true },
        { key: 'TOKEN', value: 't', secret: true },
      ],
    });
  });

  it('builds a git service, the ref only when given', () => {
    assert.deepEqual(serviceBody('api', { git: 'https://example.com/a/b', ref: 'dev' }, {}).spec, { source: { type: 'git', repository: 'https://example.com/a/b', ref: 'dev' } });
    assert.deepEqual(serviceBody('api', { git: 'https://example.com/a/b' }, {}).spec, { source: { type: 'git', repository: 'https://example.com/a/b' } });
    assert.deepEqual(serviceBody('empty', {}, {}), { name: 'empty', kind: 'app', spec: {}, env: [] });
  });

  it('refuses what the command line got wrong', () => {
    assert.throws(() => serviceBody('x', { image: 'a', git: 'b' }, {}), /choose one source/);
    assert.throws(() => serviceBody('x', { image: 'a', ref: 'main' }, {}), /--ref needs --git/);
    assert.throws(() => serviceBody('x', { envVar: ['A=1'], secret: ['A=2'] }, {}), /A is given more than once/);
  });
});

describe('describeSource', () => {
  it('shows an image, a git repository with its ref, or a dash', () => {
    assert.equal(describeSource({ source: { type: 'image', image: 'nginx:1.27' } }), 'nginx:1.27');
    assert.equal(describeSource({ source: { type: 'git', repository: 'https://example.com/a', ref: 'dev' } }), 'https://example.com/a#dev');
    assert.equal(describeSource({}), '-');
  });
});
