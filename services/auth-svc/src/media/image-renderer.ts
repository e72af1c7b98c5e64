import sharp from 'sharp';
import type { InspectedImage } from './image-inspection.js';
import { MAX_INPUT_PIXELS, type VariantSpec } from './image-policy.js';
import { mediaErrors } from './media-errors.js';

/** One encoded variant: WebP bytes without any metadata. */
export interface RenderedVariant {
  name: string;
  bytes: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes an inspected upload and encodes its variants as WebP. Each variant is oriented upright
 * from the EXIF Orientation tag and written without EXIF, XMP, IPTC or ICC data (sharp's default
 * output strips all metadata and converts to sRGB), so GPS positions and camera details are gone.
 * Animated GIF and WebP uploads keep only their first frame.
 *
 * At most `maxConcurrent` uploads are decoded at the same time, because decoding a 50-megapixel
 * image can take up to about 200 MB (4 bytes per pixel). Further uploads wait for a slot.
 */
export class ImageRenderer {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly maxConcurrent = 2) {}

  /** Renders every variant; throws 422 `invalid_image` when the pixel data cannot be decoded. */
  async render(
    input: Buffer,
    image: InspectedImage,
    variants: readonly VariantSpec[],
  ): Promise<RenderedVariant[]> {
    await this.acquire();
    try {
      const source = sharp(input, {
        limitInputPixels: MAX_INPUT_PIXELS,
        failOn: 'error',
        animated: false,
      }).autoOrient();
      const rendered: RenderedVariant[] = [];
      for (const variant of variants) {
        const { data, info } = await source
          .clone()
          .resize({
            width: variant.size,
            height: variant.size,
            fit: variant.fit,
            position: 'centre',
            // Avatars are always the stated square size; gallery images are never scaled up.
            withoutEnlargement: variant.fit === 'inside',
          })
          .webp({ quality: variant.quality })
          .toBuffer({ resolveWithObject: true });
        rendered.push({ name: variant.name, bytes: data, width: info.width, height: info.height });
      }
      return rendered;
    } catch (error) {
      throw mediaErrors.invalidImage(image.type, error);
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.maxConcurrent) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiting render, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next === undefined) {
      this.active -= 1;
    } else {
      next();
    }
  }
}
