import Fastify from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { schedulePeriodicJob, startPeriodicJob } from '../src/index.js';

const INTERVAL_MS = 1_000;

/** Creates a logger whose JSON lines the test can read. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** Creates a job whose runs wait until the test releases them, and counts the runs started. */
function gatedJob() {
  const releases: Array<() => void> = [];
  const job = {
    started: 0,
    /** Every job field but the interval. */
    options: {
      run: () => {
        job.started += 1;
        return new Promise<void>((resolve) => releases.push(resolve));
      },
      log: capturedLog().log,
      failureMessage: 'job failed',
    },
    releaseAll: () => {
      for (const release of releases.splice(0)) release();
    },
  };
  return job;
}

describe('startPeriodicJob', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs at once and then every interval', async () => {
    const run = vi.fn(async () => undefined);
    const { log } = capturedLog();

    const stop = startPeriodicJob({ run, intervalMs: INTERVAL_MS, log, failureMessage: 'job failed' });
    const atStart = run.mock.calls.length;
    await vi.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    const afterThreeIntervals = run.mock.calls.length;
    await stop();
    await vi.advanceTimersByTimeAsync(3 * INTERVAL_MS);

    expect(atStart).toBe(1);
    expect(afterThreeIntervals).toBe(4);
    expect(run).toHaveBeenCalledTimes(4);
  });

  it('skips ticks while a run is in progress', async () => {
    const job = gatedJob();

    const stop = startPeriodicJob({ ...job.options, intervalMs: INTERVAL_MS });
    await vi.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    const whileBlocked = job.started;
    job.releaseAll();
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    const afterRelease = job.started;
    job.releaseAll();
    await stop();

    expect(whileBlocked).toBe(1);
    expect(afterRelease).toBe(2);
  });

  it('waits for a run in progress when stopped', async () => {
    const job = gatedJob();
    const stop = startPeriodicJob({ ...job.options, intervalMs: INTERVAL_MS });

    let stopped = false;
    const stopping = stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    const beforeRelease = stopped;
    job.releaseAll();
    await stopping;

    expect(beforeRelease).toBe(false);
    expect(stopped).toBe(true);
  });

  it('logs a failed run and keeps running', async () => {
    const run = vi.fn(async () => {
      throw new Error('database unreachable');
    });
    const { log, lines } = capturedLog();

    const stop = startPeriodicJob({
      run,
      intervalMs: INTERVAL_MS,
      log,
      failureMessage: 'job failed; retrying',
    });
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    await stop();

    expect(run).toHaveBeenCalledTimes(2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'job failed; retrying',
      err: { message: 'database unreachable' },
    });
  });

  it('rejects an interval out of range', () => {
    const { log } = capturedLog();
    for (const intervalMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      const run = vi.fn(async () => undefined);

      expect(() => startPeriodicJob({ run, intervalMs, log, failureMessage: 'job failed' })).toThrow(
        new RangeError(
          `Periodic job interval ${intervalMs} ms is invalid; use an integer from 1 to 2147483647.`,
        ),
      );
      expect(run).not.toHaveBeenCalled();
    }
  });
});

describe('schedulePeriodicJob', () => {
  it('runs from ready until close', async () => {
    const app = Fastify();
    const job = gatedJob();
    schedulePeriodicJob(app, { ...job.options, intervalMs: 60_000 });

    const beforeReady = job.started;
    await app.ready();
    const afterReady = job.started;
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    const closedBeforeRelease = closed;
    job.releaseAll();
    await closing;

    expect(beforeReady).toBe(0);
    expect(afterReady).toBe(1);
    expect(closedBeforeRelease).toBe(false);
    expect(closed).toBe(true);
  });

  it('rejects an invalid interval when scheduled', () => {
    const app = Fastify();
    const run = vi.fn(async () => undefined);

    expect(() =>
      schedulePeriodicJob(app, { run, intervalMs: 0, log: app.log, failureMessage: 'job failed' }),
    ).toThrow(RangeError);
    expect(run).not.toHaveBeenCalled();
  });
});
