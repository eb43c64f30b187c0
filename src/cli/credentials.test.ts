import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configFile, normalizeUrl, readLogin, removeLogin, resolveCredentials, sendsKeyInClear, writeLogin } from './credentials.ts';

const tmp = mkdtempSync(join(tmpdir(), 'berth-cli-creds-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('configFile', () => {
  it('follows XDG_CONFIG_HOME, else ~/.config', () => {
    assert.equal(configFile({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/berth/config.json');
    assert.equal(configFile({ HOME: '/h' }), '/h/.config/berth/config.json');
  });
});

describe('normalizeUrl', () => {
  it('keeps http(s) origins and path prefixes, without trailing slashes', () => {
    assert.equal(normalizeUrl('http://127.0.0.1:3000/'), 'http://127.0.0.1:3000');
    assert.equal(normalizeUrl('https://example.com/berth//'), 'https://example.com/berth');
  });

  it('refuses what is not a plain http(s) URL', () => {
    assert.throws(() => normalizeUrl('localhost:3000'), /expected http:\/\/ or https:\/\//);
    assert.throws(() => normalizeUrl('not a url'), /invalid server URL/);
    assert.throws(() => normalizeUrl('https://user:pw@example.com'), /no credentials/);
  });
});

describe('writeLogin / readLogin / removeLogin', () => {
  it('writes a 0600 file in a 0700 directory, replacing an older file', () => {
    const dir = join(tmp, 'a', 'berth');
    const file = join(dir, 'config.json');
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(file, '{}', { mode: 0o644 });
    writeLogin(file, { url: 'http://x', apiKey: 'k1', org: 'acme' });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(readLogin(file), { url: 'http://x', apiKey: 'k1', org: 'acme' });
    assert.deepEqual(readdirSync(dir), ['config.json'], 'no temporary file left behind');
    assert.equal(removeLogin(file), true);
    assert.equal(removeLogin(file), false);
    assert.equal(readLogin(file), undefined);
  });

  it('says what to do with a damaged file', () => {
    const file = join(tmp, 'bad.json');
    writeFileSync(file, 'nope');
    assert.throws(() => readLogin(file), /not valid JSON: run `berth login` again/);
    writeFileSync(file, '{"url":"http://x"}');
    assert.throws(() => readLogin(file), /lacks url or apiKey/);
    chmodSync(file, 0o600);
  });
});

describe('resolveCredentials', () => {
  it('lets each environment variable override the file, field by field', () => {
    const xdg = join(tmp, 'b');
    writeLogin(join(xdg, 'berth', 'config.json'), { url: 'http://file:1/', apiKey: 'file-key', org: 'file-org' });
    const fromFile = resolveCredentials({ XDG_CONFIG_HOME: xdg });
    assert.deepEqual([fromFile.url, fromFile.apiKey, fromFile.org], ['http://file:1', 'file-key', 'file-org']);
    assert.deepEqual(fromFile.sources, { url: 'file', apiKey: 'file', org: 'file' });

    const mixed = resolveCredentials({ XDG_CONFIG_HOME: xdg, BERTH_API_KEY: 'env-key', BERTH_ORG: 'env-org' });
    assert.deepEqual([mixed.url, mixed.apiKey, mixed.org], ['http://file:1', 'env-key', 'env-org']);
    assert.deepEqual(mixed.sources, { url: 'file', apiKey: 'env', org: 'env' });

    const none = resolveCredentials({ XDG_CONFIG_HOME: join(tmp, 'empty') });
    assert.deepEqual([none.url, none.apiKey, none.org], [undefined, undefined, undefined]);
  });
});

describe('sendsKeyInClear', () => {
  it('warns about plain HTTP to another machine only', () => {
    assert.equal(sendsKeyInClear('http://berth.example.com'), true);
    assert.equal(sendsKeyInClear('https://berth.example.com'), false);
    assert.equal(sendsKeyInClear('http://127.0.0.1:3000'), false);
    assert.equal(sendsKeyInClear('http://localhost:3000'), false);
    assert.equal(sendsKeyInClear('http://[::1]:3000'), false);
  });
});
