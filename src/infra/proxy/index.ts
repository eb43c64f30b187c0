// Public surface of the proxy adapters (Caddy's admin API, its host directory, the DNS listen address).
export { CaddyAdmin, type CaddyAdminOptions, type UpstreamUsage } from './caddy-admin.ts';
export { ADMIN_SOCKET_FILE, STARTUP_CONFIG_FILE, adminSocketPath, ensureProxyDir, readStartupConfig, writeStartupConfig } from './caddy-files.ts';
export { GWBRIDGE_NETWORK, proxyDnsHost } from './dns-address.ts';
export { ProxyAdminError, ProxyUnavailable } from './errors.ts';
