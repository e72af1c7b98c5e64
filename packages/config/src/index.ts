export { renderConfigurationMarkdown } from './docs.js';
export { ConfigError, type ConfigProblem } from './errors.js';
export { type Environment, loadConfig } from './load.js';
export type { PlatformConfig, RunMode, StorageConfig, VolumesConfig } from './types.js';
export { ALIASES, type ServiceName, VARIABLES, type VariableSpec } from './variables.js';
