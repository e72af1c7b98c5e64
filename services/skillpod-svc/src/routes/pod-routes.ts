import { principalOf, requirePermission, type ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';
import { readIdempotencyKey } from '../pods/idempotency.js';
import type { PodService } from '../pods/pod-service.js';
import { podSchema, toPodView } from '../pods/pod-view.js';

const sizeGb = z.number().int().min(10).max(10240).describe('Volume size in whole GB, 10 to 10240');
const podParams = z.object({ podId: z.string().max(64) });
const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** `/pods`: SkillPods of the caller's tenant. Every route needs an access token. */
export function registerPodRoutes(app: ServiceApp, deps: { pods: PodService }): void {
  const { pods } = deps;

  app.post(
    '/pods',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['pods'],
        summary: 'Create a SkillPod with a persistent volume',
        description:
          'Answers 202 at once with the pod in `provisioning`; poll GET /pods/{podId} until it is `ready` or `failed`. ' +
          'The Idempotency-Key header is required: a retry with the same key returns the same pod (200) and creates nothing.',
        security: [{ bearerAuth: [] }],
        headers: z.object({
          'idempotency-key': z
            .string()
            .optional()
            .describe(
              'Required: a new value (such as a UUID) per pod; repeat it only to retry the same request',
            ),
        }),
        body: z
          .strictObject({
            name: z.string().trim().min(1).max(64).optional(),
            sizeGb: sizeGb.optional(),
          })
          .optional(),
        response: { 200: podSchema, 202: podSchema, 400: errorBody, 422: errorBody },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'pods:manage');
      const key = readIdempotencyKey(request.headers['idempotency-key']);
      const { pod, accepted } = await pods.create(principal, request.body ?? {}, key);
      if (!accepted) void reply.header('idempotent-replayed', 'true');
      return reply.status(accepted ? 202 : 200).send(toPodView(pod));
    },
  );

  app.get(
    '/pods',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['pods'],
        summary: "List the caller's tenant's SkillPods that are not deleted, newest first",
        security: [{ bearerAuth: [] }],
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(100).default(50),
          cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
        }),
        response: { 200: z.object({ items: z.array(podSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const page = await pods.list(principal, request.query.cursor, request.query.limit);
      return { items: page.items.map(toPodView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/pods/:podId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['pods'],
        summary: 'Get a SkillPod, with the progress of its operation or the reason it failed',
        security: [{ bearerAuth: [] }],
        params: podParams,
        response: { 200: podSchema, 404: errorBody },
      },
    },
    async (request) => toPodView(await pods.get(principalOf(request), request.params.podId)),
  );

  app.post(
    '/pods/:podId/action',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['pods'],
        summary: 'Stop (detach), start (attach) or resize (grow) a SkillPod',
        description:
          'Answers 202 with the pod in `stopping`, `starting` or `resizing`, or 200 when nothing had to change. ' +
          '`start` on a pod whose creation failed retries the creation. A resize to a smaller size is rejected with 422.',
        security: [{ bearerAuth: [] }],
        params: podParams,
        body: z.strictObject({ action: z.enum(['stop', 'start', 'resize']), sizeGb: sizeGb.optional() }),
        response: { 200: podSchema, 202: podSchema, 404: errorBody, 409: errorBody, 422: errorBody },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'pods:manage');
      const { action, sizeGb: target } = request.body;
      const { pod, accepted } = await pods.act(principal, request.params.podId, action, target);
      return reply.status(accepted ? 202 : 200).send(toPodView(pod));
    },
  );

  app.delete(
    '/pods/:podId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['pods'],
        summary: 'Delete a SkillPod and its volume',
        description:
          'Answers 202 with the pod in `deleting`; the volume is detached and then deleted. A volume with delete ' +
          'protection is rejected with 409 `volume_protected` and nothing changes. Deleting a deleted pod answers 200.',
        security: [{ bearerAuth: [] }],
        params: podParams,
        response: { 200: podSchema, 202: podSchema, 404: errorBody, 409: errorBody, 503: errorBody },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'pods:manage');
      const { pod, accepted } = await pods.delete(principal, request.params.podId);
      return reply.status(accepted ? 202 : 200).send(toPodView(pod));
    },
  );
}
