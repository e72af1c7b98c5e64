import type { Database } from '@skillancer/database';
import { FilesystemObjectStore, filesystemObjectRoutes, type ObjectStore } from '@skillancer/object-storage';
import type { ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';
import { AvatarRepository } from './avatar-repository.js';
import { AvatarService } from './avatar-service.js';
import { ImageIntake } from './image-intake.js';
import { ImageRenderer } from './image-renderer.js';
import { MediaObjects } from './media-objects.js';
import { PortfolioRepository } from './portfolio-repository.js';
import { MAX_PORTFOLIO_ITEMS, PortfolioService } from './portfolio-service.js';
import { itemParams, ownerOf } from './route-helpers.js';
import { uploadRoutes } from './upload-routes.js';

/** URL path under which auth-svc serves the filesystem driver's presigned URLs. */
export const FILESYSTEM_SIGNED_URL_PREFIX = '/files/uploads';

export interface MediaDependencies {
  db: Database;
  /** The uploads bucket. */
  store: ObjectStore;
  /** `S3_CDN_URL`: public base URL of the uploads bucket; presigned GET URLs are used when unset. */
  cdnUrl?: string;
  /** Lifetime of presigned GET URLs in seconds; 15 minutes by default. */
  urlTtlSeconds?: number;
  /** Uploads decoded at the same time; 2 by default. */
  maxConcurrentRenders?: number;
}

/**
 * Registers the avatar routes (`/profile/avatar`) and the portfolio routes (`/portfolio…`). On the
 * filesystem driver it also serves that driver's presigned URLs under
 * `FILESYSTEM_SIGNED_URL_PREFIX`, as the URLs the routes return point there.
 */
export function registerMediaRoutes(app: ServiceApp, deps: MediaDependencies): void {
  const objects = new MediaObjects(deps.store, {
    ...(deps.cdnUrl === undefined ? {} : { cdnUrl: deps.cdnUrl }),
    urlTtlSeconds: deps.urlTtlSeconds ?? 15 * 60,
    log: app.log,
  });
  const intake = new ImageIntake(new ImageRenderer(deps.maxConcurrentRenders ?? 2), objects);
  const avatars = new AvatarService(intake, new AvatarRepository(deps.db));
  const portfolio = new PortfolioService(intake, new PortfolioRepository(deps.db));

  if (deps.store instanceof FilesystemObjectStore && deps.store.presigner !== undefined) {
    void app.register(filesystemObjectRoutes(deps.store), { prefix: FILESYSTEM_SIGNED_URL_PREFIX });
  }

  void app.register(uploadRoutes({ avatars, portfolio, authenticate: app.authenticate }));

  app.get(
    '/profile/avatar',
    { preHandler: app.authenticate, schema: { tags: ['profile'], summary: 'Get your avatar URLs' } },
    async (request) => ({ avatar: await avatars.get(ownerOf(request)) }),
  );

  app.delete(
    '/profile/avatar',
    { preHandler: app.authenticate, schema: { tags: ['profile'], summary: 'Delete your avatar' } },
    async (request, reply) => {
      const owner = ownerOf(request);
      await avatars.remove(owner);
      request.log.info({ userId: owner.userId }, 'avatar deleted');
      return reply.status(204).send();
    },
  );

  app.post(
    '/portfolio',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['portfolio'],
        summary: 'Add a portfolio item at the end of your portfolio',
        body: z.strictObject({
          title: z.string().trim().min(1, { error: 'must not be empty' }).max(200),
          description: z.string().trim().max(5000).default(''),
        }),
      },
    },
    async (request, reply) => {
      const item = await portfolio.create(ownerOf(request), request.body);
      void reply.status(201);
      return { item };
    },
  );

  app.get(
    '/portfolio',
    { preHandler: app.authenticate, schema: { tags: ['portfolio'], summary: 'List your portfolio items' } },
    async (request) => ({ items: await portfolio.list(ownerOf(request)) }),
  );

  app.get(
    '/portfolio/:itemId',
    {
      preHandler: app.authenticate,
      schema: { tags: ['portfolio'], summary: 'Get one of your portfolio items', params: itemParams },
    },
    async (request) => ({ item: await portfolio.get(ownerOf(request), request.params.itemId) }),
  );

  app.put(
    '/portfolio/order',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['portfolio'],
        summary: 'Reorder your portfolio items',
        body: z.strictObject({
          itemIds: z
            .array(z.uuid({ error: 'must be a UUID' }))
            .max(MAX_PORTFOLIO_ITEMS)
            .describe('Every item id of your portfolio exactly once, in the new order'),
        }),
      },
    },
    async (request) => ({ items: await portfolio.reorder(ownerOf(request), request.body.itemIds) }),
  );

  app.delete(
    '/portfolio/:itemId',
    {
      preHandler: app.authenticate,
      schema: { tags: ['portfolio'], summary: 'Delete a portfolio item and its image', params: itemParams },
    },
    async (request, reply) => {
      const owner = ownerOf(request);
      await portfolio.remove(owner, request.params.itemId);
      request.log.info({ userId: owner.userId, itemId: request.params.itemId }, 'portfolio item deleted');
      return reply.status(204).send();
    },
  );
}
