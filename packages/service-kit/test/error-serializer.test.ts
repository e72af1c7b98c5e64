import { describe, expect, it } from 'vitest';
import { serializeError } from '../src/index.js';

describe('serializeError', () => {
  it('replaces quoted values in driver messages', () => {
    const driverError = Object.assign(new Error('invalid input syntax for type uuid: "123-45-6789"'), {
      code: '22P02',
      detail: 'Key (ssn)=(123-45-6789)',
    });
    const serialized = JSON.stringify(serializeError(new Error('query failed', { cause: driverError })));

    expect(serialized).not.toContain('123-45-6789');
    expect(serialized).toContain('22P02');
  });

  it('keeps the messages of trusted error classes', () => {
    const error = new Error('INSERT users failed: unique_violation on users_email_key');
    error.name = 'DatabaseError';

    expect(serializeError(error).message).toBe('INSERT users failed: unique_violation on users_email_key');
  });

  it('stops at a bounded cause depth', () => {
    let error = new Error('root');
    for (let depth = 0; depth < 10; depth++) error = new Error(`level ${depth}`, { cause: error });
    let serialized: Record<string, unknown> | undefined = serializeError(error);
    let depth = 0;
    while (serialized?.cause) {
      serialized = serialized.cause as Record<string, unknown>;
      depth++;
    }

    expect(depth).toBe(4);
  });
});
