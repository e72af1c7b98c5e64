import { forbidden, principalOf, requirePermission, type ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';
import { withApiErrors } from './phi-errors.js';
import type { PhiRecordService } from './phi-record-service.js';
import {
  PROFILE_RECORD_TYPE,
  RECORD_FIELD_NAMES,
  REVEAL_PURPOSES,
  type RecordFieldName,
} from './record-fields.js';

/** Longest accepted PHI value in characters; addresses are the longest type (500). */
const MAX_VALUE_LENGTH = 1000;
const value = z.string().max(MAX_VALUE_LENGTH);
const recordId = z.object({ id: z.string().max(100).describe('Record id (UUID)') });

function fieldsSchema<T extends z.ZodType>(valueSchema: T) {
  const shape = Object.fromEntries(
    RECORD_FIELD_NAMES.map((name) => [name, valueSchema.optional()]),
  ) as Record<RecordFieldName, z.ZodOptional<T>>;
  return z.strictObject(shape);
}

const recordType = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, { error: 'must be 1 to 63 lowercase letters, digits or underscores' })
  .refine((type) => type !== PROFILE_RECORD_TYPE, {
    error: `${PROFILE_RECORD_TYPE} is reserved for profiles`,
  })
  .describe('Kind of record, such as patient or claim; default phi_record');

const createBody = z.strictObject({
  recordType: recordType.optional(),
  fields: fieldsSchema(value).refine((fields) => Object.keys(fields).length > 0, {
    error: 'must contain at least one field',
  }),
});

const updateBody = z.strictObject({
  fields: fieldsSchema(value.nullable()).refine((fields) => Object.keys(fields).length > 0, {
    error: 'must contain at least one field; send null to remove a field',
  }),
});

const revealBody = z.strictObject({
  purpose: z.enum(REVEAL_PURPOSES).describe('Why the plaintext is needed; recorded in the audit trail'),
  fields: z.array(z.enum(RECORD_FIELD_NAMES)).min(1).max(RECORD_FIELD_NAMES.length).optional(),
});

const searchBody = z.strictObject({
  field: z.enum(RECORD_FIELD_NAMES),
  value: value.describe('Matched after normalization (case, spacing and punctuation as the type defines)'),
  limit: z.number().int().min(1).max(100).optional(),
});

const tags = ['phi'];
const security = [{ bearerAuth: [] }];

/** Registers the PHI records API under /hipaa/phi/records. */
export function registerPhiRecordRoutes(app: ServiceApp, service: PhiRecordService): void {
  app.post(
    '/hipaa/phi/records',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        security,
        summary: 'Create a PHI record; values are stored encrypted',
        body: createBody,
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'phi:write');
      const record = await withApiErrors(() => service.create(principal, request.body));
      request.log.info({ recordId: record.id, tenantId: principal.tenantId }, 'PHI record created');
      void reply.status(201);
      return record;
    },
  );

  app.patch(
    '/hipaa/phi/records/:id',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        security,
        summary: 'Change or remove fields of a PHI record',
        params: recordId,
        body: updateBody,
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'phi:write');
      return withApiErrors(() => service.update(principal, request.params.id, request.body.fields));
    },
  );

  app.get(
    '/hipaa/phi/records/:id',
    {
      preHandler: app.authenticate,
      schema: { tags, security, summary: 'Read a PHI record with masked values', params: recordId },
    },
    async (request) => {
      const principal = requirePermission(request, 'phi:read');
      return withApiErrors(() => service.getMasked(principal, request.params.id));
    },
  );

  app.post(
    '/hipaa/phi/records/:id/reveal',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        security,
        summary: 'Return plaintext values for a stated purpose (audited; needs phi:reveal)',
        params: recordId,
        body: revealBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!principal.permissions.includes('phi:reveal')) {
        await withApiErrors(() =>
          service.recordDeniedReveal(principal, request.params.id, request.body.purpose),
        );
        throw forbidden(
          'permission_denied',
          `Revealing PHI needs the phi:reveal permission, which your role (${principal.role}) lacks`,
        );
      }
      const revealed = await withApiErrors(() =>
        service.reveal(principal, request.params.id, {
          purpose: request.body.purpose,
          ...(request.body.fields === undefined ? {} : { fields: request.body.fields }),
        }),
      );
      void reply.header('cache-control', 'no-store');
      return revealed;
    },
  );

  app.post(
    '/hipaa/phi/records/search',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        security,
        summary: 'Find records by an exact field value through the blind index; the value goes in the body',
        body: searchBody,
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'phi:read');
      const records = await withApiErrors(() => service.search(principal, request.body));
      return { records };
    },
  );

  app.delete(
    '/hipaa/phi/records/:id',
    {
      preHandler: app.authenticate,
      schema: { tags, security, summary: 'Delete a PHI record', params: recordId },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'phi:write');
      await withApiErrors(() => service.delete(principal, request.params.id));
      request.log.info({ recordId: request.params.id, tenantId: principal.tenantId }, 'PHI record deleted');
      void reply.status(204);
    },
  );
}
