// Random bearer secrets (session tokens, API keys, setup token) and how they are stored: SHA-256 only.
// High-entropy random tokens need no slow hash; passwords do (see passwords.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(prefix: string, bytes = 32): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function sameToken(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
