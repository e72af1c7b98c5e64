import { randomUUID } from 'node:crypto';
import { check, expectStatus, FlowError, request } from '../http.js';
import type { StepReporter } from '../reporter.js';
import type { Session, Targets } from './targets.js';

interface PodView {
  id: string;
  state: string;
  sizeGb: number;
  devicePath: string | null;
  failure: { code: string; message: string } | null;
}

const POD_TIMEOUT_MS = 60_000;

/** Polls GET /pods/:podId until the pod reaches `state`; a `failed` pod ends the wait with its reason. */
async function waitForState(
  targets: Targets,
  session: Session,
  podId: string,
  state: string,
): Promise<PodView> {
  const deadline = Date.now() + POD_TIMEOUT_MS;
  let delay = 100;
  while (Date.now() < deadline) {
    const response = await request('GET', `${targets.skillpod}/pods/${podId}`, {
      token: session.accessToken,
    });
    if (state === 'deleted' && response.status === 404)
      return { id: podId, state: 'deleted', sizeGb: 0, devicePath: null, failure: null };
    const pod = expectStatus(response, 200, 'GET /pods/:podId').json<PodView>();
    if (pod.state === state) return pod;
    if (pod.state === 'failed')
      throw new FlowError(`pod ${podId} failed: ${pod.failure?.code} ${pod.failure?.message}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 1.5, 1000);
  }
  throw new FlowError(`pod ${podId} did not reach ${state} within ${POD_TIMEOUT_MS / 1000} s`);
}

async function act(
  targets: Targets,
  session: Session,
  podId: string,
  body: Record<string, unknown>,
): Promise<void> {
  expectStatus(
    await request('POST', `${targets.skillpod}/pods/${podId}/action`, {
      token: session.accessToken,
      json: body,
    }),
    [200, 202],
    `POST /pods/:podId/action ${String(body.action)}`,
  );
}

/**
 * Creates a SkillPod and waits for `ready`, resizes, stops and starts it, runs `whileRunning` (the
 * recording flow), and deletes it. Returns the pod id so callers can check the volume is gone.
 */
export async function podFlow(
  targets: Targets,
  steps: StepReporter,
  owner: Session,
  stranger: Session,
  whileRunning: (podId: string) => Promise<void>,
): Promise<string> {
  const pod = await steps.step('create a SkillPod', async () => {
    const response = expectStatus(
      await request('POST', `${targets.skillpod}/pods`, {
        token: owner.accessToken,
        headers: { 'idempotency-key': randomUUID() },
        json: { name: 'smoke-pod', sizeGb: 10 },
      }),
      202,
      'POST /pods',
    );
    return response.json<PodView>();
  });

  await steps.step('wait for the pod to be ready', async () => {
    const ready = await waitForState(targets, owner, pod.id, 'ready');
    check(ready.devicePath !== null, 'a ready pod has no device path');
  });

  await steps.step('resize the pod to 20 GB', async () => {
    await act(targets, owner, pod.id, { action: 'resize', sizeGb: 20 });
    const resized = await waitForState(targets, owner, pod.id, 'ready');
    check(resized.sizeGb === 20, `the pod has ${resized.sizeGb} GB after the resize`);
  });

  await steps.step('stop and start the pod', async () => {
    await act(targets, owner, pod.id, { action: 'stop' });
    await waitForState(targets, owner, pod.id, 'stopped');
    await act(targets, owner, pod.id, { action: 'start' });
    await waitForState(targets, owner, pod.id, 'ready');
  });

  await steps.step('another tenant gets 404 for the pod', async () => {
    expectStatus(
      await request('GET', `${targets.skillpod}/pods/${pod.id}`, { token: stranger.accessToken }),
      404,
      'GET as another tenant',
    );
    expectStatus(
      await request('DELETE', `${targets.skillpod}/pods/${pod.id}`, { token: stranger.accessToken }),
      404,
      'DELETE as another tenant',
    );
  });

  await whileRunning(pod.id);

  await steps.step('delete the pod', async () => {
    expectStatus(
      await request('DELETE', `${targets.skillpod}/pods/${pod.id}`, { token: owner.accessToken }),
      [200, 202, 204],
      'DELETE /pods/:podId',
    );
    await waitForState(targets, owner, pod.id, 'deleted');
  });
  return pod.id;
}
