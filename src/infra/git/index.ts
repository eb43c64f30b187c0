// Public surface of the git gateway: import from here, not from the files behind it.
export { GitGateway, type FetchSourceOptions, type FetchedSource, type GitGatewayOptions } from './gateway.ts';
export { GitError, type GitFailureReason } from './errors.ts';
