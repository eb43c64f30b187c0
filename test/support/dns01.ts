// The DNS-01 test bed as .cache/testbed.env exports it (scripts/testbed/bind.sh: BIND with a TSIG key and
// the Pebble that validates through it; scripts/testbed/pebble.sh: the CA file that reaches Pebble), and
// the skip reason of a test that needs it.

export const dns01TestBed = {
  directory: process.env.TEST_DNS01_ACME_DIRECTORY,
  management: process.env.TEST_DNS01_PEBBLE_MANAGEMENT,
  pebbleCa: process.env.TEST_PEBBLE_TLS_CA,
  bind: process.env.TEST_BIND_SERVER,
  zone: process.env.TEST_BIND_ZONE,
  keyName: process.env.TEST_BIND_KEY_NAME,
  keySecret: process.env.TEST_BIND_KEY_SECRET,
};

/** `describe`'s skip option: false when every part of the test bed is set, else why the test is skipped. */
export function dns01Skip(): string | false {
  const missing = Object.entries(dns01TestBed).filter(([, v]) => !v).map(([k]) => k);
  return missing.length ? `no DNS-01 test bed (${missing.join(', ')} unset: run scripts/testbed/up.sh)` : false;
}
