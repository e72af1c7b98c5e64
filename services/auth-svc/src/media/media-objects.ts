import { randomUUID } from 'node:crypto';
import { attachmentDisposition, type ObjectStore, objectKey } from '@skillancer/object-storage';
import type { FastifyBaseLogger } from 'fastify';
import type { RenderedVariant } from './image-renderer.js';
import { mediaErrors } from './media-errors.js';

/** Owner of an upload: the tenant and user in the first segments of its object keys. */
export interface MediaOwner {
  tenantId: string;
  userId: string;
}

/** Object key kinds of the uploads bucket. */
export type MediaKind = 'avatar' | 'portfolio-image';

/** One stored variant, as kept in the database. */
export interface StoredVariant {
  name: string;
  key: string;
  width: number;
  height: number;
  bytes: number;
}

/** The variants of one upload, all under keys that share `objectId`. */
export interface StoredImage {
  objectId: string;
  variants: StoredVariant[];
}

/** A variant as the API returns it. */
export interface VariantLink {
  url: string;
  width: number;
  height: number;
}

export interface VariantLinks {
  variants: Record<string, VariantLink>;
  /** When the presigned URLs stop working; null for CDN URLs, which do not expire. */
  urlsExpireAt: Date | null;
}

export interface MediaObjectsOptions {
  /** Public base URL of the bucket (`S3_CDN_URL`); presigned GET URLs are used when it is unset. */
  cdnUrl?: string;
  /** Lifetime of presigned GET URLs in seconds. */
  urlTtlSeconds: number;
  log: FastifyBaseLogger;
}

/** Keys never change content (each upload gets a new object id), so caches may keep them for a year. */
const CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** Stores, deletes and links the WebP variants of uploads in the uploads bucket. */
export class MediaObjects {
  constructor(
    private readonly store: ObjectStore,
    private readonly options: MediaObjectsOptions,
  ) {}

  /**
   * Stores every variant under a new object id. The keys consist of server-side ids only:
   * `tenant/<tenantId>/user/<userId>/<kind>/<objectId>/<variant>.webp`. When any upload fails, the
   * variants already stored are deleted again and 503 `storage_unavailable` is thrown, so a failed
   * upload leaves no objects behind (unless that clean-up fails as well, which is logged).
   */
  async storeVariants(owner: MediaOwner, kind: MediaKind, rendered: RenderedVariant[]): Promise<StoredImage> {
    const objectId = randomUUID();
    const variants = rendered.map((variant) => ({
      name: variant.name,
      key: objectKey({ ...owner, kind, objectId, variant: variant.name, extension: 'webp' }),
      width: variant.width,
      height: variant.height,
      bytes: variant.bytes.length,
    }));
    const results = await Promise.allSettled(
      rendered.map((variant, index) =>
        this.store.put((variants[index] as StoredVariant).key, variant.bytes, {
          contentType: 'image/webp',
          contentLength: variant.bytes.length,
          // R2 ignores response-content-disposition on GET, so the header is stored with the object.
          contentDisposition: attachmentDisposition(`${kind}-${variant.name}.webp`, 'inline'),
          cacheControl: CACHE_CONTROL,
        }),
      ),
    );
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      await this.deleteVariants(variants, 'clean-up after a failed upload');
      throw mediaErrors.storageUnavailable(failure.reason);
    }
    return { objectId, variants };
  }

  /**
   * Deletes the variants of an upload. Failures are logged with the keys and not thrown: the caller
   * has already committed the change, and the objects are unreachable without their database row.
   */
  async deleteVariants(variants: readonly StoredVariant[], purpose: string): Promise<void> {
    if (variants.length === 0) {
      return;
    }
    const keys = variants.map((variant) => variant.key);
    try {
      const result = await this.store.deleteMany(keys);
      if (result.failed.length > 0) {
        this.options.log.error(
          { purpose, failed: result.failed },
          'object storage did not delete image variants; they remain as orphans',
        );
      }
    } catch (error) {
      this.options.log.error(
        { err: error, purpose, keys },
        'object storage did not delete image variants; they remain as orphans',
      );
    }
  }

  /** Returns a CDN URL or a presigned GET URL for every variant. */
  async links(variants: readonly StoredVariant[]): Promise<VariantLinks> {
    const links: Record<string, VariantLink> = {};
    const expiries: number[] = [];
    for (const variant of variants) {
      let url: string;
      if (this.options.cdnUrl === undefined) {
        const signed = await this.store.presignedGetUrl(variant.key, {
          expiresInSeconds: this.options.urlTtlSeconds,
        });
        url = signed.url;
        expiries.push(signed.expiresAt.getTime());
      } else {
        // Keys consist of lowercase letters, digits, "-", "." and "/", so they need no escaping.
        url = `${this.options.cdnUrl.replace(/\/+$/, '')}/${variant.key}`;
      }
      links[variant.name] = { url, width: variant.width, height: variant.height };
    }
    return { variants: links, urlsExpireAt: expiries.length === 0 ? null : new Date(Math.min(...expiries)) };
  }
}
