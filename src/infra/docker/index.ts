// Public surface of the Docker gateway: import from here, not from the files behind it.
export { DockerGateway, registryAuthHeader, type RegistryAuth } from './gateway.ts';
export type {
  DockerEvent, DockerGatewayOptions, EngineInfo, EnsureServiceResult, EnsureSwarmOptions, EnsureSwarmResult,
  EventsOptions, ServiceLogsOptions, SwarmNodeSummary, SwarmState,
} from './gateway-types.ts';
export { DockerError, DockerNotFound, DockerUnavailable, UnmanagedObject, isNotFound } from './errors.ts';
export type { BuildImageOptions, BuildLimits, BuiltImage } from './build.ts';
export { BuildCancelled, BuildFailed } from './build-errors.ts';
export { DEFAULT_IMAGES_KEPT, planImageRetention, type PruneImagesOptions, type PruneImagesResult, type ServiceImage } from './images.ts';
export { LabelScheme, type Labels } from './labels.ts';
export { PLATFORM_NETWORKS, type EnsureNetworkResult, type NetworkSpec } from './networks.ts';
export { normaliseServiceSpec, serviceSpecDifferences, type ContainerSpec, type ServiceSpec, type TaskTemplate, type UpdateConfig } from './service-spec.ts';
export type { LogLine, LogStream } from './streams.ts';
export type { ServiceSummary, TaskAddress, TaskHealth, TaskState, TaskSummary } from './summaries.ts';
