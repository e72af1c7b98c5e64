import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { HetznerApiError, type HetznerCall, HetznerClient } from '../src/index.js';
import { countByOperation, FAST, startHarness, useHarnessCleanup } from './helpers.js';

useHarnessCleanup();

const SECRET = 'secret-token-Zq81xK0';
const rawServers: Server[] = [];

afterEach(async () => {
  for (const server of rawServers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Starts a bare HTTP server for responses the simulator never sends, such as bodies that are not JSON or empty. */
async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  rawServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

async function failure(promise: Promise<unknown>): Promise<HetznerApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HetznerApiError);
    return error as HetznerApiError;
  }
  throw new Error('expected a rejection');
}

function expectNoSecret(error: unknown, calls: HetznerCall[] = []): void {
  const rendered = [
    String(error),
    (error as Error).stack ?? '',
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
    JSON.stringify(calls),
  ].join('\n');
  expect(rendered).not.toContain(SECRET);
}

describe('error decoding', () => {
  it('carries code, status, details and correlation id', async () => {
    const { client, simulator } = await startHarness();
    simulator.faults.inject({
      operation: 'get_volume',
      effect: { kind: 'error', status: 422, code: 'invalid_input' },
    });
    const error = await failure(client.volumes.get(99));
    expect(error.code).toBe('invalid_input');
    expect(error.status).toBe(422);
    expect(error.origin).toBe('api');
    expect(error.operation).toBe('get_volume');
    expect(error.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toContain(error.correlationId);
  });

  it('keeps not_found distinct from other failures', async () => {
    const { client } = await startHarness();
    const missing = await failure(client.volumes.get(424242));
    expect(missing.code).toBe('not_found');
    expect(missing.status).toBe(404);
  });

  it('turns a 4xx without an envelope into http_error', async () => {
    const endpoint = await rawServer((_request, response) => response.writeHead(418).end('teapot'));
    const client = new HetznerClient({ ...FAST, token: SECRET, endpoint });
    const error = await failure(client.locations.get(1));
    expect(error.code).toBe('http_error');
    expect(error.status).toBe(418);
  });
});

describe('retry', () => {
  it.each([
    [409, 'conflict'],
    [429, 'rate_limit_exceeded'],
    [502, 'bad_gateway'],
    [504, 'timeout'],
  ])('retries %d %s', async (status, code) => {
    const { client, simulator, calls } = await startHarness();
    simulator.faults.error('list_locations', status, code, 2);
    const page = await client.locations.list();
    expect(page.items.length).toBeGreaterThan(0);
    expect(calls.map((call) => call.errorCode ?? call.outcome)).toEqual([code, code, 'ok']);
  });

  it.each([
    [423, 'locked'],
    [422, 'invalid_input'],
    [409, 'uniqueness_error'],
    [403, 'forbidden'],
    [500, 'server_error'],
  ])('does not retry %d %s', async (status, code) => {
    const { client, simulator, calls } = await startHarness();
    simulator.faults.error('list_locations', status, code, 1);
    expect((await failure(client.locations.list())).code).toBe(code);
    expect(calls).toHaveLength(1);
  });

  it('gives up after maxRetries', async () => {
    const { client, simulator, calls } = await startHarness(
      {},
      { retry: { baseMs: 1, capMs: 2, maxRetries: 3 } },
    );
    simulator.faults.error('list_locations', 502, 'bad_gateway', Number.POSITIVE_INFINITY);
    expect((await failure(client.locations.list())).code).toBe('bad_gateway');
    expect(calls).toHaveLength(4);
  });

  it('retries a 502 or 504 without a JSON body, but no other bare status', async () => {
    let hits = 0;
    const endpoint = await rawServer((_request, response) => {
      hits += 1;
      if (hits === 1) return response.writeHead(502).end('<html>bad gateway</html>');
      if (hits === 2) return response.writeHead(504).end();
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ locations: [], meta: {} }));
    });
    const client = new HetznerClient({ ...FAST, token: SECRET, endpoint });
    await client.locations.list();
    expect(hits).toBe(3);
  });

  it('retries a request that timed out', async () => {
    let hits = 0;
    const endpoint = await rawServer((_request, response) => {
      hits += 1;
      if (hits === 1) return; // never respond to the first request
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ locations: [] }));
    });
    const client = new HetznerClient({ ...FAST, timeoutMs: 100, token: SECRET, endpoint });
    const page = await client.locations.list();
    expect(page.pagination).toBeNull();
    expect(hits).toBe(2);
  });

  it('does not retry a connection reset, since the request may have been applied', async () => {
    const { client, simulator, calls } = await startHarness();
    simulator.faults.inject({
      operation: 'list_locations',
      effect: { kind: 'drop', when: 'before', mode: 'reset' },
    });
    expect((await failure(client.locations.list())).code).toBe('network_error');
    expect(calls).toHaveLength(1);
  });
});

describe('abort and timeouts', () => {
  it('stops at once when the caller aborts', async () => {
    const endpoint = await rawServer(() => undefined);
    const client = new HetznerClient({ ...FAST, token: SECRET, endpoint });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    expect((await failure(client.locations.list({ signal: controller.signal }))).code).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fails with request_timeout after the retries', async () => {
    const endpoint = await rawServer(() => undefined);
    const client = new HetznerClient({
      ...FAST,
      timeoutMs: 50,
      retry: { maxRetries: 1, baseMs: 1, capMs: 1 },
      token: SECRET,
      endpoint,
    });
    const error = await failure(client.locations.list());
    expect(error.code).toBe('request_timeout');
    expect(error.origin).toBe('network');
  });
});

describe('token secrecy', () => {
  it('keeps the token out of API errors and observer calls', async () => {
    const { simulator } = await startHarness({ tokens: ['other-token'] });
    const calls: HetznerCall[] = [];
    const client = new HetznerClient({
      ...FAST,
      token: SECRET,
      endpoint: simulator.url,
      observer: (call) => calls.push(call),
    });
    const error = await failure(client.volumes.list());
    expect(error.code).toBe('unauthorized');
    expectNoSecret(error, calls);
  });

  it('keeps the token out of network and timeout errors', async () => {
    // A port this test listened on and closed again, so the connection is refused.
    const closed = await rawServer(() => undefined);
    const server = rawServers.pop() as Server;
    await new Promise((resolve) => server.close(resolve));
    const refused = new HetznerClient({ ...FAST, token: SECRET, endpoint: closed });
    expectNoSecret(await failure(refused.volumes.list()));

    const silent = await rawServer(() => undefined);
    const slow = new HetznerClient({
      ...FAST,
      timeoutMs: 30,
      retry: { maxRetries: 0 },
      token: SECRET,
      endpoint: silent,
    });
    expectNoSecret(await failure(slow.volumes.list()));
  });

  it('keeps the token out of an inspected client and out of a rejected token error', () => {
    const client = new HetznerClient({ token: SECRET });
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(SECRET);
    const bad = `${SECRET} with spaces`;
    try {
      new HetznerClient({ token: bad });
      expect.unreachable('a token with spaces must be rejected');
    } catch (error) {
      expectNoSecret(error);
      expect(String(error)).not.toContain(bad);
    }
  });
});

describe('observer', () => {
  it('is called once per request with the operation id', async () => {
    const { client, calls } = await startHarness();
    await client.locations.all();
    await client.servers.all();
    await client.volumes.list({ labelSelector: { a: 'b' } });
    expect(countByOperation(calls)).toEqual({ list_locations: 1, list_servers: 1, list_volumes: 1 });
    for (const call of calls) {
      expect(call.outcome).toBe('ok');
      expect(call.durationSeconds).toBeGreaterThanOrEqual(0);
    }
  });

  it('does not let a throwing observer fail the request', async () => {
    const { simulator } = await startHarness();
    const client = new HetznerClient({
      ...FAST,
      token: simulator.token,
      endpoint: simulator.url,
      observer: () => {
        throw new Error('metrics backend down');
      },
    });
    expect((await client.locations.list()).items.length).toBe(6);
  });
});
