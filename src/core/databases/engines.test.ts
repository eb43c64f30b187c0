// The engine table is data: every entry is complete, keeps secrets out of argv, and parses its own
// verification output format.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config/config.ts';
import { compareVersions, ENGINE_IDS, ENGINES, imageFor, parseTabbedReport, restoreSteps, versionChangeRefusal } from './engines.ts';

const creds = { user: 'app', password: 'S3cr3t-PW-0123456789abcdef', database: 'appdb', rootPassword: 'R00t-PW-0123456789abcdef' };

describe('database engines', () => {
  it('has the five engines, each with a default version that has an image', () => {
    assert.deepEqual([...ENGINE_IDS].sort(), ['mariadb', 'mongodb', 'mysql', 'postgres', 'redis']);
    for (const engine of Object.values(ENGINES)) {
      assert.ok(engine.versions[engine.defaultVersion], `${engine.id}: default version has an image`);
      assert.ok(engine.port > 0 && engine.dataDir.startsWith('/'), engine.id);
    }
    assert.equal(imageFor(ENGINES.postgres, '16'), 'postgres:16');
    assert.equal(imageFor(ENGINES.mysql, '8.4'), 'mysql:8.4');
    assert.equal(imageFor(ENGINES.mariadb, '11'), 'mariadb:11');
    assert.equal(imageFor(ENGINES.mongodb, '7'), 'mongo:7');
    assert.equal(imageFor(ENGINES.redis, '7'), 'redis:7');
  });

  it('reads BERTH_DATABASE_IMAGES as a JSON map and names the variable when it is not one', () => {
    const config = loadConfig({ BERTH_DATABASE_IMAGES: '{"postgres:16":"registry.local/pg:16"}' });
    assert.deepEqual(config.BERTH_DATABASE_IMAGES, { 'postgres:16': 'registry.local/pg:16' });
    assert.equal(loadConfig({}).BERTH_DATABASE_IMAGES, undefined);
    assert.throws(() => loadConfig({ BERTH_DATABASE_IMAGES: 'postgres=berth/pg' }), /BERTH_DATABASE_IMAGES: expected a JSON object/);
    assert.throws(() => loadConfig({ BERTH_DATABASE_IMAGES: '{"postgres:16":""}' }), /BERTH_DATABASE_IMAGES/);
  });

  it('renames images through the configured map (by image or by engine:version)', () => {
    assert.equal(imageFor(ENGINES.postgres, '15', { 'postgres:15': 'berth/postgres:15' }), 'berth/postgres:15');
    assert.equal(imageFor(ENGINES.redis, '7', { 'redis:7': 'local/redis' }), 'local/redis');
    assert.equal(imageFor(ENGINES.mariadb, '11', { 'mariadb:11': 'x/mariadb' }), 'x/mariadb');
    assert.throws(() => imageFor(ENGINES.postgres, '9'), /no version 9/);
  });

  it('never puts a password in an argv: passwords travel in the exec or container environment', () => {
    for (const engine of Object.values(ENGINES)) {
      const argvs = [
        engine.healthCheck,
        engine.command?.(creds) ?? [],
        engine.dump(creds),
        engine.restore(creds),
        engine.verify(creds),
        ...restoreSteps(engine, creds).map((s) => s.argv),
        engine.client?.(creds, 'db', engine.port).argv ?? [],
      ];
      for (const argv of argvs) {
        const text = argv.join(' ');
        assert.ok(!text.includes(creds.password) && !text.includes(creds.rootPassword), `${engine.id}: secret in ${text.slice(0, 80)}`);
      }
      const env = { ...engine.execEnv(creds), ...engine.containerEnv(creds) };
      assert.ok(Object.values(env).includes(creds.password), `${engine.id}: the password reaches the process through the environment`);
      assert.equal(restoreSteps(engine, creds).filter((s) => s.stdin).length, 1, `${engine.id}: exactly one restore step reads the dump`);
    }
  });

  it('says which version changes cannot happen in place', () => {
    assert.equal(compareVersions('10.11', '11'), -1);
    assert.equal(compareVersions('7.2', '7'), 1);
    assert.equal(compareVersions('8.4', '8.4'), 0);
    assert.equal(versionChangeRefusal(ENGINES.mariadb, '10.11', '11'), undefined);
    assert.equal(versionChangeRefusal(ENGINES.mysql, '8.0', '8.4'), undefined);
    assert.equal(versionChangeRefusal(ENGINES.redis, '7', '7.2'), undefined);
    assert.equal(versionChangeRefusal(ENGINES.mongodb, '6', '7'), undefined);
    assert.equal(versionChangeRefusal(ENGINES.postgres, '16', '16'), undefined);
    assert.match(versionChangeRefusal(ENGINES.postgres, '15', '16') ?? '', /major versions differ.*restore a backup/);
    assert.match(versionChangeRefusal(ENGINES.mongodb, '6', '8') ?? '', /one major version at a time/);
    for (const engine of Object.values(ENGINES)) {
      const [newest, older] = Object.keys(engine.versions).sort(compareVersions).reverse();
      assert.match(versionChangeRefusal(engine, newest!, older!) ?? '', /downgrades/, engine.id);
    }
  });

  it('connection strings escape credentials', () => {
    const odd = { ...creds, password: 'p@ss:w/rd' };
    assert.equal(ENGINES.postgres.connectionString(odd, 'db-x', 5432), 'postgres://app:p%40ss%3Aw%2Frd@db-x:5432/appdb');
    assert.equal(ENGINES.mysql.connectionString(creds, 'h', 3306), `mysql://app:${creds.password}@h:3306/appdb`);
    assert.equal(ENGINES.redis.connectionString(creds, 'h', 6379), `redis://:${creds.password}@h:6379/0`);
    assert.match(ENGINES.mongodb.connectionString(creds, 'h', 27017), /^mongodb:\/\/app:.+@h:27017\/appdb\?authSource=admin$/);
  });

  it('parses verification output: tab-separated name, count, checksum; sorted; garbage refused', () => {
    assert.deepEqual(parseTabbedReport('public.b\t2\tabc\npublic.a\t0\td41d\n\n'), {
      objects: [
        { name: 'public.a', count: 0, checksum: 'd41d' },
        { name: 'public.b', count: 2, checksum: 'abc' },
      ],
    });
    assert.deepEqual(parseTabbedReport('db0\t3\r\n'), { objects: [{ name: 'db0', count: 3 }] });
    assert.deepEqual(parseTabbedReport(''), { objects: [] });
    assert.throws(() => parseTabbedReport('ERROR: permission denied'), /unexpected verification line/);
    assert.throws(() => parseTabbedReport('t\t-1\tx'), /unexpected verification line/);
  });
});
