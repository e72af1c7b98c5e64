import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLoggerOptions } from '../src/index.js';

function capture(write: (logger: pino.Logger) => void): string {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const logger = pino(createLoggerOptions('test', 'info'), stream);
  write(logger);
  logger.flush();
  return lines.join('');
}

describe('createLoggerOptions', () => {
  it('redacts fields deep inside objects and arrays', async () => {
    const output = capture((logger) =>
      logger.info({ a: { b: { c: { ssn: '123-45-6789' } } }, list: [{ password: 'hunter22' }] }, 'nested'),
    );
    await new Promise((resolve) => setImmediate(resolve));

    expect(output).toContain('"msg":"nested"');
    expect(output).not.toContain('123-45-6789');
    expect(output).not.toContain('hunter22');
  });

  it('redacts field names in any letter case', async () => {
    const output = capture((logger) =>
      logger.info({ headers: { Authorization: 'Bearer abc.def' } }, 'headers'),
    );
    await new Promise((resolve) => setImmediate(resolve));

    expect(output).not.toContain('abc.def');
    expect(output).toContain('[redacted]');
  });

  it('keeps other fields and child bindings', async () => {
    const output = capture((logger) => logger.child({ requestId: 'r-1' }).info({ podId: 'p-1' }, 'kept'));
    await new Promise((resolve) => setImmediate(resolve));

    expect(output).toContain('"requestId":"r-1"');
    expect(output).toContain('"podId":"p-1"');
  });
});
