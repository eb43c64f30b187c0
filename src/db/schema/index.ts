export * from './core.ts';
export * from './jobs.ts';
export * from './credentials.ts';
export * from './certificates.ts';
export * from './dns-providers.ts';
export * from './backups.ts';
export * from './databases.ts';
export * from './teardown.ts';
