// Public surface of the ingress use-case: import from here.
export {
  Ingress, type ApplyRoutesResult, type EnsureProxyResult, type IngressOptions, type SwitchOptions, type SwitchResult, type UpstreamDns,
} from './ingress.ts';
export { busyAddresses, hostOfAddress, waitForDrain, type DrainOptions } from './drain.ts';
export { DrainTimeout, ProxyNotReady, type PendingUpstream } from './errors.ts';
