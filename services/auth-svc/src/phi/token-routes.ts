import type { BatchItemResult } from '@skillancer/phi-crypto';
import type { PhiStore } from '@skillancer/phi-store';
import { requirePermission, type ServiceApp } from '@skillancer/service-kit';
import { z } from 'zod';
import { actorOf } from './audit-actor.js';
import { toApiError, withApiErrors } from './phi-errors.js';
import {
  RECORD_FIELD_NAMES,
  RECORD_FIELD_TYPES,
  REVEAL_PURPOSES,
  type RecordFieldName,
} from './record-fields.js';

const MAX_BATCH = 100;

const tokenizeBody = z.strictObject({
  field: z.enum(RECORD_FIELD_NAMES).describe('Type of the values; tokens of one field never match another'),
  values: z.array(z.string().max(1000)).min(1).max(MAX_BATCH),
});

const detokenizeBody = z.strictObject({
  field: z.enum(RECORD_FIELD_NAMES),
  tokens: z.array(z.string().max(100)).min(1).max(MAX_BATCH),
  purpose: z.enum(REVEAL_PURPOSES).describe('Why the values are needed; recorded in the audit trail'),
});

/** Returns the token vault field of a record field; tokens are scoped to it. */
function tokenField(field: RecordFieldName): string {
  return `token.${field}`;
}

/** Converts per-item results to the response shape; an item error carries its code and message only. */
function itemResults(results: ReadonlyArray<BatchItemResult<string>>, key: 'token' | 'value') {
  return results.map((result) => {
    if (result.ok) {
      return { [key]: result.value };
    }
    const error = toApiError(result.error) as { code?: string; message: string };
    return { error: { code: error.code ?? 'invalid_value', message: error.message } };
  });
}

/**
 * Registers tokenization: `POST /hipaa/phi/tokens` replaces values with random tokens (the same
 * value in the same tenant and field always gets the same token), and
 * `POST /hipaa/phi/tokens/detokenize` returns the values for a stated purpose. Both are audited;
 * detokenizing returns nothing when its audit event cannot be stored.
 */
export function registerTokenRoutes(app: ServiceApp, store: PhiStore): void {
  app.post(
    '/hipaa/phi/tokens',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['phi'],
        security: [{ bearerAuth: [] }],
        summary: 'Replace PHI values with tokens',
        body: tokenizeBody,
      },
    },
    async (request) => {
      const principal = requirePermission(request, 'phi:write');
      const { field, values } = request.body;
      return withApiErrors(async () => {
        const results = await store.tokenizer.tokenizeBatch(
          { tenantId: principal.tenantId, field: tokenField(field), type: RECORD_FIELD_TYPES[field] },
          values,
        );
        await store.audit.append({
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'phi.tokenize',
          resource: { type: 'token_field', id: field },
          purpose: 'tokenization',
          outcome: 'success',
          details: { count: results.length, failed: results.filter((r) => !r.ok).length },
        });
        return { results: itemResults(results, 'token') };
      });
    },
  );

  app.post(
    '/hipaa/phi/tokens/detokenize',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['phi'],
        security: [{ bearerAuth: [] }],
        summary: 'Return the values of tokens for a stated purpose (audited; needs phi:reveal)',
        body: detokenizeBody,
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, 'phi:reveal');
      const { field, tokens, purpose } = request.body;
      const results = await withApiErrors(async () => {
        const detokenized = await store.tokenizer.detokenizeBatch(principal.tenantId, tokens, {
          field: tokenField(field),
        });
        await store.audit.append({
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'phi.detokenize',
          resource: { type: 'token_field', id: field },
          purpose,
          outcome: detokenized.every((r) => r.ok) ? 'success' : 'failure',
          details: { count: detokenized.length, failed: detokenized.filter((r) => !r.ok).length },
        });
        return detokenized;
      });
      void reply.header('cache-control', 'no-store');
      return { results: itemResults(results, 'value') };
    },
  );
}
