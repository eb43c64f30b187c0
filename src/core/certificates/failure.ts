// A failed ACME issuance in plain words. The CA's problem detail (RFC 8555 §6.7) is written for ACME
// client authors; users want to know which URL the CA fetched and what it got, and what to check. Pebble's
// and Let's Encrypt's (Boulder's) wordings are recognised; anything else is passed on as the CA said it.
// Must never include a key, a key authorization or an account URL.

const MAX = 500;

const clip = (text: string) => (text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text);

/** The CA's message: acme-client throws Errors whose message carries the problem detail. */
function detailOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').trim();
}

/** A challenge URL the CA names in its message, else the one it would have fetched for `host`. */
function challengeUrl(detail: string, host: string): string {
  const url = /(https?:\/\/[^\s"':,]+\/\.well-known\/acme-challenge\/[A-Za-z0-9_-]+)/.exec(detail)?.[1];
  return url ?? `http://${host}/.well-known/acme-challenge/…`;
}

const checkRoute = (host: string) => `check that ${host} points at this server and its port 80 reaches Berth's proxy`;

/** Plain words for a failed issuance of `host`. */
export function plainAcmeFailure(host: string, err: unknown): string {
  const detail = detailOf(err);
  // Pebble: "Non-200 status code from HTTP: <url> returned 404"; Boulder: "Invalid response from <url>: 404".
  const status = /(?:Non-200 status code from HTTP: \S+ returned|Invalid response from \S+?:?) (\d{3})\b/.exec(detail)?.[1];
  if (status) {
    return clip(`the challenge at ${challengeUrl(detail, host)} returned ${status} instead of the key authorization: ${checkRoute(host)}`);
  }
  if (/did not match|key authorization/i.test(detail) && /challenge/i.test(detail)) {
    return clip(`the challenge at ${challengeUrl(detail, host)} answered with something else than Berth's key authorization: another server answers ${host} on port 80`);
  }
  const network = /connection refused|ECONNREFUSED|timeout|timed out|no route to host|network is unreachable|connection reset/i.exec(detail)?.[0];
  if (network && /https?:\/\/|challenge|fetch|connect/i.test(detail)) {
    return clip(`the certificate authority could not fetch the challenge at ${challengeUrl(detail, host)} (${network.toLowerCase()}): ${checkRoute(host)}`);
  }
  const dns = /DNS problem: (.*)|(NXDOMAIN|SERVFAIL)[^.]*/.exec(detail);
  if (dns) return clip(`the certificate authority could not look up ${host} in DNS (${(dns[1] ?? dns[0]).trim()}): add an A/AAAA record pointing at this server`);
  if (/rateLimited|too many (certificates|requests|failed)/i.test(detail)) {
    return clip(`the certificate authority refused more certificates for now (rate limit): ${detail}`);
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|certificate|self.signed/i.test(detail) && /directory|acme|ECONN|ENOTFOUND|EAI_AGAIN/i.test(detail)) {
    return clip(`the certificate authority's directory could not be reached: ${detail}`);
  }
  return clip(`the certificate authority did not issue a certificate for ${host}: ${detail || 'no reason given'}`);
}
