import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AvatarService } from './avatar-service.js';
import type { PortfolioService } from './portfolio-service.js';
import { itemParams, ownerOf } from './route-helpers.js';
import { MULTIPART_LIMITS, readSingleFile } from './upload-reader.js';

const multipartBody = {
  consumes: ['multipart/form-data'],
  description:
    'multipart/form-data with one file in the field "file": JPEG, PNG, WebP or GIF (detected from the ' +
    'content), at most 10 MiB and 50 megapixels. Variants are re-encoded as WebP without metadata.',
};

/**
 * Builds the upload routes as a plugin with a scope of their own. In that scope only multipart bodies
 * are parsed, and any other body reaches the handler unread, which then returns 415 multipart_required.
 */
export function uploadRoutes(deps: {
  avatars: AvatarService;
  portfolio: PortfolioService;
  authenticate: (request: FastifyRequest) => Promise<void>;
}): FastifyPluginAsync {
  return async (scope) => {
    scope.removeAllContentTypeParsers();
    await scope.register(multipart, { limits: MULTIPART_LIMITS, throwFileSizeLimit: true });
    scope.addContentTypeParser('*', (_request, _payload, done) => {
      done(null, undefined);
    });

    scope.put(
      '/profile/avatar',
      {
        preHandler: deps.authenticate,
        schema: { tags: ['profile'], summary: 'Upload or replace your avatar', ...multipartBody },
      },
      async (request) => {
        const owner = ownerOf(request);
        const bytes = await readSingleFile(request);
        const avatar = await deps.avatars.replace(owner, bytes);
        request.log.info({ userId: owner.userId, avatarId: avatar.id }, 'avatar replaced');
        return { avatar };
      },
    );

    scope.post(
      '/portfolio/:itemId/image',
      {
        preHandler: deps.authenticate,
        schema: {
          tags: ['portfolio'],
          summary: 'Upload or replace the image of a portfolio item',
          params: itemParams,
          ...multipartBody,
        },
      },
      async (request) => {
        const owner = ownerOf(request);
        const { itemId } = request.params as z.infer<typeof itemParams>;
        // Fails with 404 before the upload is read when the item is not the caller's.
        await deps.portfolio.get(owner, itemId);
        const bytes = await readSingleFile(request);
        const item = await deps.portfolio.setImage(owner, itemId, bytes);
        request.log.info(
          { userId: owner.userId, itemId, imageId: item.image?.id },
          'portfolio image replaced',
        );
        return { item };
      },
    );
  };
}
