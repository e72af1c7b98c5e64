export { type AuthAppDependencies, buildAuthApp } from './app.js';
export { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './security/rate-limiter.js';
export { type AuthServiceContext, createAuthService } from './server.js';
