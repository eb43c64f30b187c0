import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, redactUrl } from './logger.ts';

describe('logger', () => {
  it('never writes a webhook URL token', () => {
    assert.equal(redactUrl('/api/webhooks/AbC_123-xyzxyzxyzxyz?x=1'), '/api/webhooks/[redacted]?x=1');
    assert.equal(redactUrl('/api/orgs/acme/projects'), '/api/orgs/acme/projects');
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    createLogger({ BERTH_LOG_LEVEL: 'info' }, sink).info({ req: { method: 'POST', url: '/api/webhooks/s3cr3t-token-value-123' } }, 'incoming request');
    assert.ok(lines.join('').includes('/api/webhooks/[redacted]'));
    assert.ok(!lines.join('').includes('s3cr3t-token-value-123'));
  });
});
