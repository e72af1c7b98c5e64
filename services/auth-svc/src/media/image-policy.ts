/** Image types accepted for avatars and portfolio images, as detected from the bytes. */
export const ACCEPTED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;
export type AcceptedImageType = (typeof ACCEPTED_IMAGE_TYPES)[number];

/** Largest accepted upload: 10 MiB of file bytes. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Largest accepted image area in pixels, checked against the header before decoding and passed to
 * sharp as `limitInputPixels`. 50 megapixels covers 48-megapixel phone cameras.
 */
export const MAX_INPUT_PIXELS = 50_000_000;

/** Largest accepted width or height. WebP cannot encode a side above 16383 pixels. */
export const MAX_INPUT_SIDE = 12_000;

/** Longest accepted upload file name, in UTF-8 bytes; the name is checked but never stored. */
export const MAX_FILE_NAME_BYTES = 255;

/** One stored rendition of an upload. Every variant is WebP without metadata. */
export interface VariantSpec {
  /** Name in the object key and the API, e.g. `512` or `original`. */
  name: string;
  /** Width and height limit in pixels. */
  size: number;
  /** `cover` crops to a `size`×`size` square; `inside` keeps the aspect ratio within `size`×`size`. */
  fit: 'cover' | 'inside';
  /** WebP quality, 1 to 100. */
  quality: number;
}

/**
 * The normalized original: oriented upright, metadata removed, WebP, and at most 4096 pixels on
 * its longest side so that one upload cannot fill the bucket with a 50-megapixel image.
 */
const NORMALIZED_ORIGINAL: VariantSpec = { name: 'original', size: 4096, fit: 'inside', quality: 90 };

/** Square avatar sizes for lists (64), profile cards (128, 256) and profile pages (512). */
export const AVATAR_VARIANTS: readonly VariantSpec[] = [
  NORMALIZED_ORIGINAL,
  { name: '64', size: 64, fit: 'cover', quality: 82 },
  { name: '128', size: 128, fit: 'cover', quality: 82 },
  { name: '256', size: 256, fit: 'cover', quality: 82 },
  { name: '512', size: 512, fit: 'cover', quality: 82 },
];

/** Gallery sizes for thumbnails (320), the gallery view (800) and full screen (1600). */
export const PORTFOLIO_VARIANTS: readonly VariantSpec[] = [
  NORMALIZED_ORIGINAL,
  { name: '320', size: 320, fit: 'inside', quality: 82 },
  { name: '800', size: 800, fit: 'inside', quality: 82 },
  { name: '1600', size: 1600, fit: 'inside', quality: 85 },
];
