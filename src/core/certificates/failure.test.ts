// ACME problem details → plain words naming the challenge URL and what to check.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainAcmeFailure } from './failure.ts';

describe('plainAcmeFailure', () => {
  it('names the challenge URL and the status it returned (Pebble and Let\'s Encrypt wordings)', () => {
    assert.equal(
      plainAcmeFailure('a.example.com', new Error('Non-200 status code from HTTP: http://a.example.com/.well-known/acme-challenge/tok_1-x returned 404')),
      "the challenge at http://a.example.com/.well-known/acme-challenge/tok_1-x returned 404 instead of the key authorization: check that a.example.com points at this server and its port 80 reaches Berth's proxy",
    );
    assert.match(plainAcmeFailure('a.example.com', new Error('Invalid response from http://a.example.com/.well-known/acme-challenge/abc: 502')), /^the challenge at http:\/\/a\.example\.com\/\.well-known\/acme-challenge\/abc returned 502/);
  });

  it('says when the CA could not connect, could not resolve, or got another answer', () => {
    assert.match(plainAcmeFailure('a.example.com', new Error('Connecting to 127.0.0.1:5002: dial tcp 127.0.0.1:5002: connect: connection refused')),
      /^the certificate authority could not fetch the challenge at http:\/\/a\.example\.com\/\.well-known\/acme-challenge\/… \(connection refused\)/);
    assert.match(plainAcmeFailure('a.example.com', new Error('DNS problem: NXDOMAIN looking up A for a.example.com')), /could not look up a\.example\.com in DNS \(NXDOMAIN looking up A/);
    assert.match(plainAcmeFailure('a.example.com', new Error('The key authorization file from the server did not match this challenge "x" != "y"')), /answered with something else than Berth's key authorization/);
  });

  it('passes anything else on as the CA said it, one line, bounded', () => {
    assert.equal(plainAcmeFailure('a.example.com', new Error('Order\n  was  refused')), 'the certificate authority did not issue a certificate for a.example.com: Order was refused');
    assert.ok(plainAcmeFailure('a.example.com', new Error('x'.repeat(2000))).length <= 500);
  });
});
