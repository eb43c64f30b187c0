// Generated database credentials: strong random passwords, sealed with the SecretBox and bound to their
// service and column (a sealed value copied to another row does not open). Opened only for the
// database job, the reveal route (audited) and backups.
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import type { DatabaseCredentials } from './engine.ts';

/** 192 bits, URL-safe alphabet: nothing any engine's config or URI syntax treats specially. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

export function generateCredentials(o: { user: string; database: string }): DatabaseCredentials {
  return { user: o.user, database: o.database, password: generatePassword(), rootPassword: generatePassword() };
}

const aad = (serviceId: string, column: string) => `databases:${serviceId}:${column}`;

export function sealCredentials(box: SecretBox, serviceId: string, c: DatabaseCredentials) {
  return {
    userName: c.user,
    databaseName: c.database,
    passwordSealed: box.seal(c.password, aad(serviceId, 'password')),
    rootPasswordSealed: c.rootPassword ? box.seal(c.rootPassword, aad(serviceId, 'root_password')) : null,
  };
}

export function openCredentials(
  box: SecretBox,
  serviceId: string,
  row: { userName: string; databaseName: string; passwordSealed: string; rootPasswordSealed: string | null },
): DatabaseCredentials {
  return {
    user: row.userName,
    database: row.databaseName,
    password: box.open(row.passwordSealed, aad(serviceId, 'password')),
    ...(row.rootPasswordSealed ? { rootPassword: box.open(row.rootPasswordSealed, aad(serviceId, 'root_password')) } : {}),
  };
}
