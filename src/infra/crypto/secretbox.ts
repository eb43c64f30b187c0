// Secrets at rest: AES-256-GCM under a master key kept outside the database.
// Every credential column goes through `SecretBox` — nothing else encrypts.
// Format: "v1:" + base64(iv[12] | tag[16] | ciphertext). The version prefix allows key rotation later.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const PREFIX = 'v1:';

export class SecretBox {
  readonly #key: Buffer;
  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('master key must be 32 bytes');
    this.#key = key;
  }

  /** `aad` binds a ciphertext to its row/column so it cannot be copied elsewhere. */
  seal(plaintext: string, aad = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(sealed: string, aad = ''): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('not a sealed secret');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** Loads the master key: from the env value, else the file (created 0600 with a fresh key if missing). */
export function loadMasterKey(opts: { value?: string | undefined; file: string }): Buffer {
  if (opts.value) return Buffer.from(opts.value, 'base64');
  if (!existsSync(opts.file)) {
    mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
    writeFileSync(opts.file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(opts.file, 0o600);
  const key = Buffer.from(readFileSync(opts.file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${opts.file}: expected 32 bytes in base64`);
  return key;
}
