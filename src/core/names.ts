// The one strict pattern for every name that can reach Docker, DNS or the proxy.
// A DNS label (RFC 1123): lowercase letters, digits and hyphens, 1–63 chars, no leading/trailing hyphen.
import { z } from 'zod';

export const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const dnsLabel = z
  .string()
  .regex(DNS_LABEL, 'expected a DNS label: lowercase letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit');

/** Names are also used inside composite Docker names (`<project>-<service>`), so keep them short. */
export const resourceName = dnsLabel.max(40, 'expected at most 40 characters');

export const uuid = z.uuid();

/** Free text stored in PostgreSQL: any characters but NUL (which text and jsonb columns refuse). */
export const text = (max: number) => z.string().max(max).refine((v) => !v.includes('\0'), 'must not contain NUL bytes');

/** True when a slash-separated path has a `..` segment, plain or percent-encoded. */
export function hasDotDotSegment(path: string): boolean {
  return path.split('/').some((seg) => {
    let decoded = seg;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      return true;
    }
    return decoded === '..' || decoded.split(/[\\/]/).includes('..');
  });
}
