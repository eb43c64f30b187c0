// Password hashing with argon2id (library defaults: 64 MiB, t=3). Never log or store a plaintext password.
import argon2 from 'argon2';
import { z } from 'zod';

export const passwordSchema = z.string().min(10, 'expected at least 10 characters').max(200, 'expected at most 200 characters');

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

// A hash of a random string, verified when the user does not exist, so timing does not reveal names.
let dummy: Promise<string> | undefined;

export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  if (!hash) {
    dummy ??= hashPassword('not-a-real-password-' + Math.random());
    await argon2.verify(await dummy, password).catch(() => false);
    return false;
  }
  return argon2.verify(hash, password).catch(() => false);
}
