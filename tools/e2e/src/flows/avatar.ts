import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { check, expectStatus, request } from '../http.js';
import type { StepReporter } from '../reporter.js';
import type { Session, Targets } from './targets.js';

/**
 * The photo fixture of auth-svc: 600×400 as stored, EXIF orientation 6 and GPS tags, a red square in
 * its stored top-left corner. Displayed upright it is 400×600 with the red square top-right.
 */
const PHOTO = new URL('../../../../services/auth-svc/test/fixtures/photo-exif-gps.jpg', import.meta.url);

function multipartBody(
  file: Buffer,
  filename: string,
  contentType: string,
): { body: Buffer; contentType: string } {
  const boundary = `----skillancer-smoke-${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    body: Buffer.concat([head, file, tail]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * Returns whether the image bytes carry an EXIF block (where GPS tags live): the JPEG APP1 marker
 * `Exif\0\0` or the WebP `EXIF` chunk.
 */
function carriesExif(bytes: Buffer): boolean {
  return bytes.includes(Buffer.from('Exif\0\0', 'latin1')) || bytes.includes(Buffer.from('EXIF', 'latin1'));
}

/** Uploads a real photo as an avatar, fetches every variant and checks that none carries EXIF or GPS data. */
export async function avatarFlow(targets: Targets, steps: StepReporter, owner: Session): Promise<void> {
  const photo = await readFile(PHOTO);
  check(carriesExif(photo), 'the fixture photo lost its EXIF block');

  const avatar = await steps.step('upload a photo as the avatar', async () => {
    const { body, contentType } = multipartBody(photo, 'holiday photo.jpg', 'image/jpeg');
    const response = expectStatus(
      await request('PUT', `${targets.auth}/profile/avatar`, {
        token: owner.accessToken,
        body,
        headers: { 'content-type': contentType },
      }),
      200,
      'PUT /profile/avatar',
    );
    return response.json<{
      avatar: { variants: Record<string, { url: string; width: number; height: number }> };
    }>().avatar;
  });

  await steps.step('fetch every avatar variant without EXIF or GPS', async () => {
    const names = Object.keys(avatar.variants);
    check(names.length >= 5, `expected at least 5 variants, got ${names.join(', ')}`);
    for (const [name, variant] of Object.entries(avatar.variants)) {
      const url = new URL(variant.url, targets.auth).toString();
      const download = expectStatus(await request('GET', url), 200, `GET avatar variant ${name}`);
      check(!carriesExif(download.body), `avatar variant ${name} still carries EXIF or GPS data`);
      const metadata = await sharp(download.body).metadata();
      check(metadata.exif === undefined, `avatar variant ${name} has an EXIF block`);
      check((metadata.orientation ?? 1) === 1, `avatar variant ${name} still has an orientation tag`);
      if (name === 'original') {
        check(
          metadata.width === 400 && metadata.height === 600,
          `the original is ${metadata.width}×${metadata.height}, not upright 400×600`,
        );
        const { data, info } = await sharp(download.body).raw().toBuffer({ resolveWithObject: true });
        const topRight = (10 * info.width + (info.width - 10)) * info.channels;
        check(
          (data[topRight] ?? 0) > 180 && (data[topRight + 2] ?? 255) < 80,
          'the red marker is not in the top-right corner',
        );
      }
    }
  });
}
