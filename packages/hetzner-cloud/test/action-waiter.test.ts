import { describe, expect, it } from 'vitest';
import { HetznerApiError } from '../src/index.js';
import { backoffDelay } from '../src/transport/backoff.js';
import { countByOperation, startHarness, useHarnessCleanup } from './helpers.js';

useHarnessCleanup();

describe('ActionWaiter', () => {
  it('polls with growing intervals instead of a fixed one', async () => {
    const { client, calls } = await startHarness(
      { durations: { create_volume: 600 } },
      { poll: { initialDelayMs: 20, baseMs: 20, factor: 2, capMs: 1_000, jitter: false } },
    );
    const { action } = await client.volumes.create({ name: 'slow', size: 10, location: 'fsn1' });
    const [done] = await client.waiter.wait([action]);
    expect(done?.status).toBe('success');
    expect(done?.progress).toBe(100);
    // Polls at about 20, 60, 140, 300 and 620 ms, where a fixed 20 ms interval would need about thirty.
    expect(countByOperation(calls).get_actions).toBeLessThanOrEqual(8);
  });

  it('schedules polls on a growing, capped backoff', () => {
    const options = { baseMs: 20, factor: 2, capMs: 200, jitter: false };
    const delays = [0, 1, 2, 3, 4, 5].map((attempt) => backoffDelay(options, attempt));

    // Checked on the schedule itself, because observed gaps on a busy machine are stretched by scheduling.
    expect(delays).toEqual([20, 40, 80, 160, 200, 200]);
  });

  it('keeps jittered polls between the base and the ceiling', () => {
    const options = { baseMs: 20, factor: 2, capMs: 1000, jitter: true };

    expect(backoffDelay(options, 3, () => 0)).toBe(20);
    expect(backoffDelay(options, 3, () => 1)).toBe(160);
  });

  it('waits for many actions with one request per poll round', async () => {
    const { client, simulator, calls } = await startHarness({ durations: { create_volume: 100 } });
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        client.volumes.create({ name: `many-${index}`, size: 10, location: 'fsn1' }),
      ),
    );
    calls.length = 0;
    await Promise.all(created.map((result) => client.waiter.wait([result.action])));
    const polls = simulator.requests.filter((request) => request.operation === 'get_actions');
    // Twenty separate waiters share rounds; without sharing each round would cost twenty requests.
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.length).toBeLessThan(20);
    const idsPerPoll = polls.map((request) => new URLSearchParams(request.query).getAll('id').length);
    expect(Math.max(...idsPerPoll)).toBeGreaterThanOrEqual(10);
    expect(countByOperation(calls)).toEqual({ get_actions: polls.length });
  });

  it('returns at once for finished actions', async () => {
    const { client, calls } = await startHarness();
    const action = await client.volumes.changeProtection(
      (await client.volumeOperations.create({ name: 'p', size: 10, location: 'fsn1' })).id,
      { delete: true },
    );
    expect(action.status).toBe('success');
    calls.length = 0;
    await client.waiter.wait([action]);
    expect(calls).toEqual([]);
  });

  it('fails with action_failed carrying the action', async () => {
    const { client, simulator } = await startHarness();
    simulator.faults.failActions({
      command: 'create_volume',
      code: 'action_failed',
      message: 'Volume creation failed',
    });
    const { action } = await client.volumes.create({ name: 'doomed', size: 10, location: 'fsn1' });
    const error = await client.waiter.wait([action]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HetznerApiError);
    expect(error).toMatchObject({
      code: 'action_failed',
      action: { id: action.id, status: 'error', error: { message: 'Volume creation failed' } },
    });
  });

  it('settle returns failed actions instead of throwing', async () => {
    const { client, simulator } = await startHarness();
    simulator.faults.failActions({ command: 'create_volume' });
    const { action } = await client.volumes.create({ name: 'settled', size: 10, location: 'fsn1' });
    const [done] = await client.waiter.settle([action]);
    expect(done?.status).toBe('error');
  });

  it('stops at the deadline with action_timeout', async () => {
    const { client } = await startHarness({ durations: { create_volume: 5_000 } });
    const { action } = await client.volumes.create({ name: 'forever', size: 10, location: 'fsn1' });
    const error = await client.waiter.wait([action], { timeoutMs: 100 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'action_timeout', details: { action_ids: [action.id] } });
  });

  it('stops when the caller aborts', async () => {
    const { client } = await startHarness({ durations: { create_volume: 5_000 } });
    const { action } = await client.volumes.create({ name: 'aborted', size: 10, location: 'fsn1' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(client.waiter.wait([action], { signal: controller.signal })).rejects.toMatchObject({
      code: 'aborted',
    });
  });

  it('fails when an action is missing from the answer', async () => {
    const { client } = await startHarness();
    const ghost = {
      id: 999_999,
      command: 'attach_volume',
      status: 'running' as const,
      progress: 0,
      startedAt: new Date(),
      finishedAt: null,
      resources: [],
      error: null,
    };
    await expect(client.waiter.wait([ghost])).rejects.toMatchObject({ code: 'action_not_found' });
  });
});
