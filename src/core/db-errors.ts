// Recognising PostgreSQL errors that mean "bad input" rather than "bug", so use-cases can name them.
export function isUniqueViolation(err: unknown): boolean {
  return pgCode(err) === '23505';
}

export function isForeignKeyViolation(err: unknown): boolean {
  return pgCode(err) === '23503';
}

function pgCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
