// Where to go after signing in: only a path on this site (no //host, no scheme, no backslash tricks).
export function safeNext(next: string | null): string {
  return next && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : '/';
}
