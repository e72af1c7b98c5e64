import type { AcceptedImageType } from './image-policy.js';

/**
 * Tags that make a browser or a server-side parser treat bytes as a document. XMP metadata inside
 * photos uses `<x:xmpmeta>` and `<rdf:RDF>`, which do not match. An `<svg` tag counts only with an
 * `xmlns` or event-handler attribute, because the three letters alone occur too often by chance.
 *
 * Estimate for uniformly random bytes, which compressed image data resembles: these patterns, the
 * PDF header and the ZIP end record together match by chance in about one of 50,000 files of 10 MiB.
 */
const MARKUP =
  /<(?:script|html|body|head|iframe|object|embed|!doctype|\?php)[\s>/]|<svg\s[^>]{0,200}?(?:xmlns|\son[a-z]+\s*=)/i;
/** `%PDF-1.7` and the like; PDF readers find the header anywhere in the first kilobyte or further. */
const PDF_HEADER = /%PDF-\d\.\d/;
/** ZIP end-of-central-directory record; ZIP, JAR and Office readers look for it at the end of a file. */
const ZIP_END_RECORD = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const ZIP_END_RECORD_BYTES = 22;

/**
 * Looks for a second file format hidden in an image (a polyglot). It finds HTML or SVG markup and
 * PDF headers anywhere, a ZIP archive's end record at the end, and bytes after the end of a PNG,
 * GIF or WebP image. Returns what was found, or undefined for a plain image.
 *
 * Bytes after a JPEG's end are allowed, because cameras store Multi-Picture Format images and
 * "motion photo" videos there; markup, PDF and ZIP content is still rejected in JPEG files.
 */
export function findEmbeddedContent(bytes: Buffer, type: AcceptedImageType): string | undefined {
  const text = bytes.toString('latin1');
  if (MARKUP.test(text)) {
    return 'HTML or SVG markup';
  }
  if (PDF_HEADER.test(text)) {
    return 'a PDF document';
  }
  if (hasZipEndRecord(bytes)) {
    return 'a ZIP archive';
  }
  const end = imageEnd(bytes, type);
  if (end !== undefined && end < bytes.length) {
    return `${bytes.length - end} bytes after the end of the image`;
  }
  return undefined;
}

/**
 * Finds a ZIP end record whose comment length reaches exactly to the end of the file, as in every
 * archive ZIP writers produce. The record is 22 bytes plus a comment of up to 65535 bytes.
 */
function hasZipEndRecord(bytes: Buffer): boolean {
  if (bytes.length < ZIP_END_RECORD_BYTES) {
    return false;
  }
  const earliest = Math.max(0, bytes.length - ZIP_END_RECORD_BYTES - 65_535);
  let offset = bytes.lastIndexOf(ZIP_END_RECORD, bytes.length - ZIP_END_RECORD_BYTES);
  while (offset >= earliest) {
    const commentLength = bytes.readUInt16LE(offset + 20);
    if (offset + ZIP_END_RECORD_BYTES + commentLength === bytes.length) {
      return true;
    }
    if (offset === 0) {
      return false;
    }
    offset = bytes.lastIndexOf(ZIP_END_RECORD, offset - 1);
  }
  return false;
}

/**
 * Returns the offset just past the image's last structure, or undefined when the structure cannot
 * be walked (the decoder then reports the damage) or, for JPEG, is not checked.
 */
function imageEnd(bytes: Buffer, type: AcceptedImageType): number | undefined {
  switch (type) {
    case 'image/png':
      return pngEnd(bytes);
    case 'image/gif':
      return gifEnd(bytes);
    case 'image/webp':
      return webpEnd(bytes);
    case 'image/jpeg':
      return undefined;
  }
}

/** PNG: an 8-byte signature, then chunks of length, type, data and CRC, up to and including IEND. */
function pngEnd(bytes: Buffer): number | undefined {
  let offset = 8;
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const next = offset + 12 + length;
    if (next > bytes.length) {
      return undefined;
    }
    if (type === 'IEND') {
      return next;
    }
    offset = next;
  }
  return undefined;
}

/**
 * GIF: a 6-byte header and 7-byte screen descriptor, an optional global colour table, then
 * extension blocks (0x21) and images (0x2C) made of length-prefixed sub-blocks, up to the trailer
 * byte 0x3B.
 */
function gifEnd(bytes: Buffer): number | undefined {
  if (bytes.length < 13) {
    return undefined;
  }
  let offset = 13 + colourTableBytes(bytes[10] ?? 0);
  while (offset < bytes.length) {
    const introducer = bytes[offset];
    if (introducer === 0x3b) {
      return offset + 1;
    }
    if (introducer === 0x21) {
      // Introducer and label, then sub-blocks.
      offset = skipSubBlocks(bytes, offset + 2);
    } else if (introducer === 0x2c) {
      // 10-byte image descriptor, local colour table, LZW minimum code size, then sub-blocks.
      const packed = bytes[offset + 9] ?? 0;
      offset = skipSubBlocks(bytes, offset + 10 + colourTableBytes(packed) + 1);
    } else {
      return undefined;
    }
    if (offset < 0) {
      return undefined;
    }
  }
  return undefined;
}

function colourTableBytes(packed: number): number {
  return (packed & 0x80) === 0 ? 0 : 3 * 2 ** ((packed & 0x07) + 1);
}

/** Returns the offset after the terminating empty sub-block, or -1 when the data ends first. */
function skipSubBlocks(bytes: Buffer, start: number): number {
  let offset = start;
  while (offset < bytes.length) {
    const size = bytes[offset] ?? 0;
    offset += 1 + size;
    if (size === 0) {
      return offset;
    }
  }
  return -1;
}

/** WebP: a RIFF container whose header states the size of everything after its first 8 bytes. */
function webpEnd(bytes: Buffer): number | undefined {
  if (bytes.length < 12) {
    return undefined;
  }
  const riffSize = bytes.readUInt32LE(4);
  // RIFF pads an odd-sized payload with one byte.
  return 8 + riffSize + (riffSize % 2);
}
