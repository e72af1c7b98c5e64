export { type ActionDurations, DEFAULT_DURATIONS } from './action-engine.js';
export { ApiFault } from './errors.js';
export { type ActionFailure, type FaultEffect, FaultInjector, type FaultRule } from './faults.js';
export { DEFAULT_SERVERS, LOCATIONS, type ServerSeed, SKILLPOD_NODE_LABEL } from './fixtures.js';
export { matchesSelector, parseLabelSelector, type Requirement } from './label-selector.js';
export {
  OpenApiValidator,
  type RequestToValidate,
  type ResponseToValidate,
  sharedOpenApiValidator,
} from './openapi-validator.js';
export type { RateLimitOptions } from './rate-limit.js';
export {
  type HetznerSimulator,
  type HetznerSimulatorOptions,
  type RequestRecord,
  startHetznerSimulator,
} from './server.js';
export { loadOpenApiDocument, openApiDocumentPath } from './spec-path.js';
export type { SimAction, SimServer, SimState, SimVolume, VolumeSeed } from './state.js';
