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
