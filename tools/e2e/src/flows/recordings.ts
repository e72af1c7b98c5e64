import { createHash, randomBytes } from 'node:crypto';
import { check, expectStatus, request } from '../http.js';
import type { StepReporter } from '../reporter.js';
import type { Session, Targets } from './targets.js';

const CHUNK_COUNT = 3;
const CHUNK_BYTES = 256 * 1024;

/** Records a session in chunks (sent out of order), completes it and plays a byte range back. */
export async function recordingFlow(
  targets: Targets,
  steps: StepReporter,
  owner: Session,
  stranger: Session,
  podId: string,
): Promise<void> {
  const chunks = Array.from({ length: CHUNK_COUNT }, () => randomBytes(CHUNK_BYTES));
  const whole = Buffer.concat(chunks);

  const recording = await steps.step('start a session recording', async () => {
    const response = expectStatus(
      await request('POST', `${targets.skillpod}/pods/${podId}/recordings`, {
        token: owner.accessToken,
        json: { contentType: 'video/webm' },
      }),
      201,
      'POST /pods/:podId/recordings',
    );
    return response.json<{ id: string }>();
  });

  await steps.step('upload the chunks out of order and complete', async () => {
    for (const index of [2, 0, 1]) {
      const chunk = chunks[index] as Buffer;
      expectStatus(
        await request('PUT', `${targets.skillpod}/recordings/${recording.id}/chunks/${index}`, {
          token: owner.accessToken,
          body: chunk,
          headers: {
            'content-type': 'application/octet-stream',
            'x-content-sha256': createHash('sha256').update(chunk).digest('hex'),
          },
        }),
        [200, 201],
        `PUT chunk ${index}`,
      );
    }
    expectStatus(
      await request('POST', `${targets.skillpod}/recordings/${recording.id}/complete`, {
        token: owner.accessToken,
        json: { chunkCount: CHUNK_COUNT, durationMs: 90_000 },
      }),
      200,
      'complete the recording',
    );
  });

  await steps.step('play the recording back with a range request', async () => {
    const start = CHUNK_BYTES - 1000;
    const end = CHUNK_BYTES + 4999;
    const response = expectStatus(
      await request('GET', `${targets.skillpod}/recordings/${recording.id}/stream`, {
        token: owner.accessToken,
        headers: { range: `bytes=${start}-${end}` },
      }),
      206,
      'GET /recordings/:id/stream with Range',
    );
    check(
      response.body.equals(whole.subarray(start, end + 1)),
      'the played range differs from the recorded bytes',
    );
    check(
      response.headers.get('content-range') === `bytes ${start}-${end}/${whole.length}`,
      'wrong Content-Range',
    );
  });

  await steps.step('another tenant gets 404 for the recording', async () => {
    expectStatus(
      await request('GET', `${targets.skillpod}/recordings/${recording.id}/stream`, {
        token: stranger.accessToken,
      }),
      404,
      'stream as another tenant',
    );
  });
}
