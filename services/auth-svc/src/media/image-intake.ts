import { inspectImage } from './image-inspection.js';
import type { VariantSpec } from './image-policy.js';
import type { ImageRenderer } from './image-renderer.js';
import type { MediaKind, MediaObjects, MediaOwner, StoredImage } from './media-objects.js';

/** A stored upload: its variants and the media type detected in the uploaded bytes. */
export type IngestedImage = StoredImage & { sourceType: string };

/**
 * Turns uploaded bytes into stored variants: inspect (type, polyglots, pixel limit), decode and
 * re-encode, then store every variant. Nothing is stored unless every step before succeeds.
 */
export class ImageIntake {
  constructor(
    private readonly renderer: ImageRenderer,
    readonly objects: MediaObjects,
  ) {}

  async ingest(
    owner: MediaOwner,
    kind: MediaKind,
    bytes: Buffer,
    variants: readonly VariantSpec[],
  ): Promise<IngestedImage> {
    const image = await inspectImage(bytes);
    const rendered = await this.renderer.render(bytes, image, variants);
    const stored = await this.objects.storeVariants(owner, kind, rendered);
    return { ...stored, sourceType: image.type };
  }

  /**
   * Runs `commit` (the database write) for a freshly stored image. When it throws, the image's
   * objects are deleted before the error is passed on, so nothing is left unreferenced.
   */
  async commitOrDiscard<T>(image: IngestedImage, commit: () => Promise<T>): Promise<T> {
    try {
      return await commit();
    } catch (error) {
      await this.objects.deleteVariants(image.variants, 'clean-up after a failed database write');
      throw error;
    }
  }
}
