import type { ServiceApp } from '@skillancer/service-kit';
import type { SigningKeyStore } from '../tokens/signing-keys.js';

export function registerJwksRoutes(app: ServiceApp, keys: SigningKeyStore): void {
  app.get(
    '/.well-known/jwks.json',
    { schema: { tags: ['auth'], summary: 'Public keys that verify access tokens' } },
    async (_request, reply) => {
      void reply.header('cache-control', 'public, max-age=300');
      return keys.publicJwks();
    },
  );
}
