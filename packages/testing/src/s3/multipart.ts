import { createHash, randomBytes } from 'node:crypto';
import { S3Error } from './errors.js';
import type { S3PeerProfile } from './profiles.js';
import type { Segment, StoredHeaders } from './storage.js';

/** S3 and R2 number parts from 1 to 10,000. */
export const MAX_PART_NUMBER = 10_000;
/** S3 and R2 limit a single part to 5 GiB. */
export const MAX_PART_BYTES = 5 * 1024 ** 3;

export interface UploadedPart extends Segment {
  partNumber: number;
  /** Quoted MD5 hex of the part. */
  etag: string;
  md5: Buffer;
  lastModified: Date;
}

export interface MultipartUpload {
  uploadId: string;
  key: string;
  initiated: Date;
  headers: StoredHeaders;
  parts: Map<number, UploadedPart>;
}

export interface RequestedPart {
  partNumber: number;
  etag: string;
}

export interface AssembledObject {
  parts: UploadedPart[];
  size: number;
  /** Quoted S3 multipart ETag: MD5 of the concatenated binary part MD5s, a dash and the part count. */
  etag: string;
}

export function newUploadId(): string {
  return randomBytes(24).toString('base64url');
}

export function parsePartNumber(value: string | undefined): number {
  const number = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || number < 1 || number > MAX_PART_NUMBER) {
    throw new S3Error(
      400,
      'InvalidArgument',
      `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`,
      {
        ArgumentName: 'partNumber',
        ArgumentValue: value ?? '',
      },
    );
  }
  return number;
}

/**
 * Checks a CompleteMultipartUpload part list against the uploaded parts and the store's rules. Parts
 * must be in ascending order (R2 sorts them instead) and uploaded with the listed ETag. Every part but
 * the last needs at least `minPartSize` bytes. On R2, all parts but the last must have one size, and
 * the last must not be larger.
 */
export function assembleParts(
  upload: MultipartUpload,
  requested: readonly RequestedPart[],
  profile: S3PeerProfile,
  minPartSize: number,
): AssembledObject {
  if (requested.length === 0) {
    throw new S3Error(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema: at least one Part is required.',
    );
  }
  const ordered = profile.sortsCompletedParts
    ? [...requested].sort((left, right) => left.partNumber - right.partNumber)
    : requested;
  for (let index = 1; index < ordered.length; index += 1) {
    if ((ordered[index] as RequestedPart).partNumber <= (ordered[index - 1] as RequestedPart).partNumber) {
      throw new S3Error(
        400,
        'InvalidPartOrder',
        'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
      );
    }
  }
  const parts = ordered.map((entry) => {
    const part = upload.parts.get(entry.partNumber);
    if (part === undefined || unquote(part.etag) !== unquote(entry.etag)) {
      throw new S3Error(
        400,
        'InvalidPart',
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        { PartNumber: String(entry.partNumber), ETag: entry.etag },
      );
    }
    return part;
  });
  parts.slice(0, -1).forEach((part) => {
    if (part.size < minPartSize) {
      throw new S3Error(
        400,
        'EntityTooSmall',
        'Your proposed upload is smaller than the minimum allowed size',
        {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(minPartSize),
          PartNumber: String(part.partNumber),
          ETag: part.etag,
        },
      );
    }
  });
  if (profile.requiresEqualParts && parts.length > 1) {
    const size = (parts[0] as UploadedPart).size;
    const last = parts[parts.length - 1] as UploadedPart;
    if (parts.slice(0, -1).some((part) => part.size !== size) || last.size > size) {
      throw new S3Error(400, 'InvalidPart', 'All non-trailing parts must have the same length.');
    }
  }
  const combined = createHash('md5');
  for (const part of parts) {
    combined.update(part.md5);
  }
  return {
    parts,
    size: parts.reduce((total, part) => total + part.size, 0),
    etag: `"${combined.digest('hex')}-${parts.length}"`,
  };
}

export function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}
