import type { ChainedAuditEvent, FieldContext, KeyState } from '../../src/index.js';

/** Layout of a committed test-vector file. Dates are ISO strings; binary values are base64. */
export interface VectorFile {
  description: string;
  generatedBy: string;
  generatedAt: string;
  masterKeys: { current: string; previous: string[] };
  tenantKeys: Array<{
    tenantId: string;
    purpose: 'data' | 'index';
    version: number;
    state: KeyState;
    wrappedKey: string | null;
    masterKeyId: string;
    createdAt: string;
  }>;
  fields: Array<{
    context: FieldContext;
    payloadType: 'text' | 'bytes';
    /** UTF-8 text, or base64 for bytes. */
    plaintext: string;
    ciphertext: string;
    keyVersion: number;
  }>;
  invalidFields: Array<{ description: string; context: FieldContext; ciphertext: string; code: string }>;
  blindIndexes: Array<{
    tenantId: string;
    field: string;
    type: 'ssn' | 'email' | 'name' | null;
    bits: number;
    value: string;
    index: string;
  }>;
  auditChains: Array<{ tenantId: string; keyHex: string | null; events: ChainedAuditEvent[] }>;
  legacy: Array<{ tenantId: string; legacyContext: unknown; stored: string; plaintext: string }>;
}
