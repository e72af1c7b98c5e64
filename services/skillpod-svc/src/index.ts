export { buildSkillpodApp, type SkillpodAppDependencies } from './app.js';
export { createSkillpodService, type SkillpodServiceContext } from './server.js';
