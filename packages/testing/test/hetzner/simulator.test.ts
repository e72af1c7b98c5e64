import { describe, expect, it } from 'vitest';
import { call, settle, simulator, sleep, useSimulatorCleanup } from './helpers.js';

useSimulatorCleanup();

async function firstNode(sim: Awaited<ReturnType<typeof simulator>>, location = 'fsn1'): Promise<number> {
  const { body } = await call(
    sim,
    'GET',
    `/servers?label_selector=${encodeURIComponent('skillancer.io/role=skillpod-node')}&sort=id`,
  );
  const servers = body.servers as Array<{ id: number; location: { name: string } }>;
  return (servers.find((server) => server.location.name === location) as { id: number }).id;
}

describe('simulator basics', () => {
  it('answers with correlation id and rate-limit headers, and rejects bad tokens', async () => {
    const sim = await simulator();
    const ok = await call(sim, 'GET', '/locations');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers.get('ratelimit-limit')).toBe('3600');
    expect(Number(ok.headers.get('ratelimit-remaining'))).toBe(3599);
    expect(Number(ok.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    const denied = await call(sim, 'GET', '/volumes', undefined, 'wrong');
    expect(denied.status).toBe(401);
    expect(denied.body.error?.code).toBe('unauthorized');
  });

  it('answers json_error, not_found and method_not_allowed', async () => {
    const sim = await simulator();
    const response = await fetch(`${sim.url}/volumes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(response.status).toBe(400);
    // The validator must notice the broken body; clear it so the cleanup check passes.
    expect(sim.violations).toEqual(['create_volume request: request body is not JSON']);
    sim.violations.length = 0;
    expect((await call(sim, 'GET', '/volumes/999')).body.error?.code).toBe('not_found');
    expect((await call(sim, 'PATCH', '/volumes/999')).status).toBe(405);
  });
});

describe('volume lifecycle', () => {
  it('creates with a server: creating, then available and attached', async () => {
    const sim = await simulator({ durations: { create_volume: 30, attach_volume: 30 } });
    const server = await firstNode(sim);
    const created = await call(sim, 'POST', '/volumes', {
      name: 'v1',
      size: 10,
      server,
      labels: { pod: 'p1' },
      format: 'xfs',
    });
    expect(created.status).toBe(201);
    const volume = created.body.volume as Record<string, unknown>;
    expect(volume.status).toBe('creating');
    expect(volume.server).toBeNull();
    expect(volume.linux_device).toBe(`/dev/disk/by-id/scsi-0HC_Volume_${volume.id}`);
    const [attach] = created.body.next_actions as Array<{ id: number; command: string }>;
    expect(attach?.command).toBe('attach_volume');
    expect((await settle(sim, attach?.id as number)).status).toBe('success');
    const after = (await call(sim, 'GET', `/volumes/${volume.id}`)).body.volume as Record<string, unknown>;
    expect(after).toMatchObject({ status: 'available', server, format: 'xfs' });
    const node = (await call(sim, 'GET', `/servers/${server}`)).body.server as { volumes: number[] };
    expect(node.volumes).toEqual([volume.id]);
  });

  it('locks the volume and the server while an action runs', async () => {
    const sim = await simulator({ durations: { create_volume: 0, attach_volume: 150 } });
    const server = await firstNode(sim);
    const a = (await call(sim, 'POST', '/volumes', { name: 'a', size: 10, location: 'fsn1' })).body
      .volume as { id: number };
    const b = (await call(sim, 'POST', '/volumes', { name: 'b', size: 10, location: 'fsn1' })).body
      .volume as { id: number };
    await sleep(20);
    const attachA = await call(sim, 'POST', `/volumes/${a.id}/actions/attach`, { server });
    expect(attachA.status).toBe(201);
    const attachB = await call(sim, 'POST', `/volumes/${b.id}/actions/attach`, { server });
    expect(attachB.status).toBe(423);
    expect(attachB.body.error).toMatchObject({
      code: 'locked',
      message: 'cannot perform operation because server is locked',
    });
    const resizeA = await call(sim, 'POST', `/volumes/${a.id}/actions/resize`, { size: 20 });
    expect(resizeA.body.error?.code).toBe('locked');
    expect(((await call(sim, 'GET', `/servers/${server}`)).body.server as { locked: boolean }).locked).toBe(
      true,
    );
    await settle(sim, (attachA.body.action as { id: number }).id);
    expect((await call(sim, 'POST', `/volumes/${b.id}/actions/attach`, { server })).status).toBe(201);
  });

  it('fails the queued attach with locked when another attach holds the server', async () => {
    const sim = await simulator({ durations: { create_volume: 30, attach_volume: 100 } });
    const server = await firstNode(sim);
    const first = await call(sim, 'POST', '/volumes', { name: 'first', size: 10, server });
    const second = await call(sim, 'POST', '/volumes', { name: 'second', size: 10, server });
    const [attachFirst] = first.body.next_actions as Array<{ id: number }>;
    const [attachSecond] = second.body.next_actions as Array<{ id: number }>;
    expect((await settle(sim, attachFirst?.id as number)).status).toBe('success');
    expect(await settle(sim, attachSecond?.id as number)).toMatchObject({
      status: 'error',
      error: { code: 'locked' },
    });
  });

  it('enforces 16 volumes per server and the same location', async () => {
    const sim = await simulator({ volumesPerServer: 16 });
    const server = await firstNode(sim);
    for (let index = 0; index < 16; index += 1)
      sim.state.addVolume({ name: `full-${index}`, location: 'fsn1', serverId: server });
    const full = await call(sim, 'POST', '/volumes', { name: 'seventeenth', size: 10, server });
    expect(full.status).toBe(422);
    expect(full.body.error?.code).toBe('limit_exceeded_error');
    expect(sim.state.volumes.size).toBe(16);

    const elsewhere = (await call(sim, 'POST', '/volumes', { name: 'nbg', size: 10, location: 'nbg1' })).body
      .volume as { id: number };
    await sleep(80);
    const other = await firstNode(sim);
    const wrong = await call(sim, 'POST', `/volumes/${elsewhere.id}/actions/attach`, { server: other });
    expect(wrong.body.error).toMatchObject({ code: 'invalid_input' });
  });

  it('only grows, protects against delete, and refuses to delete attached volumes', async () => {
    const sim = await simulator({ durations: { create_volume: 0, resize_volume: 10 } });
    const server = await firstNode(sim);
    const volume = sim.state.addVolume({ name: 'grow', location: 'fsn1', size: 20, serverId: server });
    expect(
      (await call(sim, 'POST', `/volumes/${volume.id}/actions/resize`, { size: 20 })).body.error?.code,
    ).toBe('invalid_input');
    expect((await call(sim, 'POST', `/volumes/${volume.id}/actions/resize`, { size: 10 })).status).toBe(422);
    const resize = await call(sim, 'POST', `/volumes/${volume.id}/actions/resize`, { size: 30 });
    await settle(sim, (resize.body.action as { id: number }).id);
    expect(sim.state.volumes.get(volume.id)?.size).toBe(30);

    expect((await call(sim, 'DELETE', `/volumes/${volume.id}`)).body.error?.code).toBe('service_error');
    const protect = await call(sim, 'POST', `/volumes/${volume.id}/actions/change_protection`, {
      delete: true,
    });
    expect((protect.body.action as { status: string }).status).toBe('success');
    const detach = await call(sim, 'POST', `/volumes/${volume.id}/actions/detach`);
    await settle(sim, (detach.body.action as { id: number }).id);
    const refused = await call(sim, 'DELETE', `/volumes/${volume.id}`);
    expect(refused.status).toBe(423);
    expect(refused.body.error?.code).toBe('protected');
    await call(sim, 'POST', `/volumes/${volume.id}/actions/change_protection`, { delete: false });
    expect((await call(sim, 'DELETE', `/volumes/${volume.id}`)).status).toBe(204);
  });

  it('validates create input', async () => {
    const sim = await simulator();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', size: 9, location: 'fsn1' }, 'size'],
      [{ name: 'x', size: 10241, location: 'fsn1' }, 'size'],
      [{ name: '-x', size: 10, location: 'fsn1' }, 'name'],
      [{ name: 'x', size: 10 }, 'location'],
      [{ name: 'x', size: 10, location: 'fsn1', automount: true }, 'automount'],
      [{ name: 'x', size: 10, location: 'fsn1', labels: { 'hetzner.cloud/x': 'y' } }, 'labels'],
      [{ name: 'x', size: 10, location: 'fsn1', labels: { ok: 'bad value' } }, 'labels'],
      [{ name: 'x', size: 10, location: 'mars' }, 'location'],
    ];
    for (const [body, field] of cases) {
      const answer = await call(sim, 'POST', '/volumes', body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.error?.details).toMatchObject({ fields: [{ name: field }] });
    }
    await call(sim, 'POST', '/volumes', { name: 'dup', size: 10, location: 'fsn1' });
    const duplicate = await call(sim, 'POST', '/volumes', { name: 'dup', size: 10, location: 'fsn1' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toMatchObject({
      code: 'uniqueness_error',
      details: { fields: [{ name: 'name' }] },
    });
  });

  it('answers resource_limit_exceeded at the project quota', async () => {
    const sim = await simulator({ volumeQuota: 1 });
    await call(sim, 'POST', '/volumes', { name: 'one', size: 10, location: 'fsn1' });
    const refused = await call(sim, 'POST', '/volumes', { name: 'two', size: 10, location: 'fsn1' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'resource_limit_exceeded',
      details: { limits: [{ name: 'volume_count' }] },
    });
  });
});

describe('listing', () => {
  it('paginates with meta and a Link header', async () => {
    const sim = await simulator();
    for (let index = 0; index < 12; index += 1)
      sim.state.addVolume({ name: `v-${String(index).padStart(2, '0')}`, location: 'fsn1' });
    const page = await call(sim, 'GET', '/volumes?page=2&per_page=5&sort=name:desc');
    expect(page.body.meta).toEqual({
      pagination: { page: 2, per_page: 5, previous_page: 1, next_page: 3, last_page: 3, total_entries: 12 },
    });
    expect((page.body.volumes as Array<{ name: string }>).map((volume) => volume.name)).toEqual([
      'v-06',
      'v-05',
      'v-04',
      'v-03',
      'v-02',
    ]);
    const link = page.headers.get('link') ?? '';
    expect(link).toMatch(
      /<http:\/\/127\.0\.0\.1:\d+\/v1\/volumes\?page=1&per_page=5&sort=name%3Adesc>; rel="prev"/,
    );
    expect(link).toMatch(/\?page=3&per_page=5&sort=name%3Adesc>; rel="next"/);
    expect(link).toMatch(/\?page=3&per_page=5&sort=name%3Adesc>; rel="last"$/);
    expect((await call(sim, 'GET', '/volumes?per_page=51')).status).toBe(422);
  });

  it('filters by exact name and by label selector', async () => {
    const sim = await simulator();
    sim.state.addVolume({ name: 'data', location: 'fsn1', labels: { env: 'prod' } });
    sim.state.addVolume({ name: 'data-2', location: 'fsn1', labels: { env: 'dev' } });
    const named = await call(sim, 'GET', '/volumes?name=data');
    expect((named.body.volumes as unknown[]).length).toBe(1);
    const selected = await call(
      sim,
      'GET',
      `/volumes?label_selector=${encodeURIComponent('env notin (prod)')}`,
    );
    expect((selected.body.volumes as Array<{ name: string }>).map((volume) => volume.name)).toEqual([
      'data-2',
    ]);
    const broken = await call(sim, 'GET', `/volumes?label_selector=${encodeURIComponent('env in prod')}`);
    expect(broken.body.error?.message).toContain('invalid label_selector');
  });

  it('gets several actions at once and requires an id', async () => {
    const sim = await simulator();
    const a = await call(sim, 'POST', '/volumes', { name: 'a', size: 10, location: 'fsn1' });
    const b = await call(sim, 'POST', '/volumes', { name: 'b', size: 10, location: 'fsn1' });
    const ids = [a, b].map((answer) => (answer.body.action as { id: number }).id);
    const many = await call(sim, 'GET', `/actions?id=${ids[0]}&id=${ids[1]}`);
    expect((many.body.actions as Array<{ id: number }>).map((action) => action.id)).toEqual(ids);
    expect(many.body.meta).toBeUndefined();
    const volumeActions = await call(sim, 'GET', `/volumes/actions?id=${ids[0]}`);
    expect((volumeActions.body.actions as unknown[]).length).toBe(1);
    expect((await call(sim, 'GET', `/volumes/actions/${ids[1]}`)).status).toBe(200);
  });
});

describe('rate limit', () => {
  it('answers 429 when the bucket is empty', async () => {
    // A refill of one request per 100 s keeps the bucket empty however slowly this test runs.
    const sim = await simulator({ rateLimit: { limit: 3, refillPerSecond: 0.01 } });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) statuses.push((await call(sim, 'GET', '/locations')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await call(sim, 'GET', '/locations');
    expect(limited.body.error?.code).toBe('rate_limit_exceeded');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('refills the bucket gradually', async () => {
    const sim = await simulator({ rateLimit: { limit: 1, refillPerSecond: 10 } });
    expect((await call(sim, 'GET', '/locations')).status).toBe(200);
    await sleep(150);
    expect((await call(sim, 'GET', '/locations')).status).toBe(200);
  });

  it('keeps a bucket per token', async () => {
    const sim = await simulator({ tokens: ['a', 'b'], rateLimit: { limit: 1, refillPerSecond: 0.01 } });
    expect((await call(sim, 'GET', '/locations', undefined, 'a')).status).toBe(200);
    expect((await call(sim, 'GET', '/locations', undefined, 'a')).status).toBe(429);
    expect((await call(sim, 'GET', '/locations', undefined, 'b')).status).toBe(200);
  });
});

describe('fault injection', () => {
  it('injects one-off and permanent errors', async () => {
    const sim = await simulator();
    sim.faults.error('list_locations', 502, 'bad_gateway');
    expect((await call(sim, 'GET', '/locations')).status).toBe(502);
    expect((await call(sim, 'GET', '/locations')).status).toBe(200);
    const remove = sim.faults.error('get_location', 504, 'timeout', Number.POSITIVE_INFINITY);
    for (let index = 0; index < 3; index += 1)
      expect((await call(sim, 'GET', '/locations/1')).status).toBe(504);
    remove();
    expect((await call(sim, 'GET', '/locations/1')).status).toBe(200);
  });

  it('drops a response after applying the request', async () => {
    const sim = await simulator();
    sim.faults.inject({ operation: 'create_volume', effect: { kind: 'drop', when: 'after', mode: 'reset' } });
    await expect(
      call(sim, 'POST', '/volumes', { name: 'ghost', size: 10, location: 'fsn1' }),
    ).rejects.toThrow();
    expect([...sim.state.volumes.values()].map((volume) => volume.name)).toEqual(['ghost']);
  });

  it('fails the next action of a command', async () => {
    const sim = await simulator();
    sim.faults.failActions({ command: 'create_volume', code: 'action_failed', message: 'boom' });
    const created = await call(sim, 'POST', '/volumes', { name: 'f', size: 10, location: 'fsn1' });
    const action = await settle(sim, (created.body.action as { id: number }).id);
    expect(action).toMatchObject({
      status: 'error',
      error: { code: 'action_failed', message: 'boom' },
      progress: 100,
    });
    expect(action.finished).toEqual(expect.any(String));
  });
});
