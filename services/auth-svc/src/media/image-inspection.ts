import { fileTypeFromBuffer } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import { findEmbeddedContent } from './embedded-content.js';
import {
  ACCEPTED_IMAGE_TYPES,
  type AcceptedImageType,
  MAX_INPUT_PIXELS,
  MAX_INPUT_SIDE,
} from './image-policy.js';
import { mediaErrors } from './media-errors.js';

/** An upload that passed every check before decoding. */
export interface InspectedImage {
  type: AcceptedImageType;
  /** Width and height from the header, before EXIF orientation is applied. */
  width: number;
  height: number;
}

/** sharp's format names for the accepted types. */
const SHARP_FORMATS: Record<AcceptedImageType, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

/**
 * Checks an upload without decoding its pixels: the type is detected from the bytes (the declared
 * Content-Type and the file name are ignored), hidden second formats are rejected, and the
 * dimensions in the header must be within the pixel limit.
 *
 * Throws 400 `empty_file`, 415 `unsupported_image_type` or `polyglot_file`, 422
 * `pixel_limit_exceeded` or `invalid_image`.
 */
export async function inspectImage(bytes: Buffer): Promise<InspectedImage> {
  if (bytes.length === 0) {
    throw mediaErrors.emptyFile();
  }
  const type = await detectImageType(bytes);
  const embedded = findEmbeddedContent(bytes, type);
  if (embedded !== undefined) {
    throw mediaErrors.polyglotFile(type, embedded);
  }

  // Reading the header decodes no pixels, so sharp's own limit is switched off here and the
  // dimensions are checked below. The decoder later runs with the limit on.
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (error) {
    throw mediaErrors.invalidImage(type, error);
  }
  if (metadata.format !== SHARP_FORMATS[type]) {
    throw mediaErrors.invalidImage(type);
  }
  const { width, height } = metadata;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw mediaErrors.invalidImage(type);
  }
  if (width > MAX_INPUT_SIDE || height > MAX_INPUT_SIDE || width * height > MAX_INPUT_PIXELS) {
    throw mediaErrors.pixelLimitExceeded(width, height);
  }
  return { type, width, height };
}

async function detectImageType(bytes: Buffer): Promise<AcceptedImageType> {
  const detected = await fileTypeFromBuffer(bytes);
  if (detected === undefined) {
    throw mediaErrors.unsupportedImageType(describeUndetected(bytes));
  }
  const accepted = ACCEPTED_IMAGE_TYPES.find((type) => type === detected.mime);
  if (accepted === undefined) {
    throw mediaErrors.unsupportedImageType(detected.mime);
  }
  return accepted;
}

/** Names text formats that have no magic bytes, for the error message. */
function describeUndetected(bytes: Buffer): string | undefined {
  const start = bytes.subarray(0, 1024).toString('latin1').trimStart().toLowerCase();
  if (start.startsWith('<svg') || (start.startsWith('<?xml') && start.includes('<svg'))) {
    return 'image/svg+xml';
  }
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) {
    return 'text/html';
  }
  if (start.startsWith('<?xml')) {
    return 'application/xml';
  }
  return undefined;
}
