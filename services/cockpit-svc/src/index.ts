export { buildCockpitApp, type CockpitAppDependencies } from './app.js';
export { type CockpitServiceContext, createCockpitService } from './server.js';
