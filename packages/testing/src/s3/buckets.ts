import { S3Error } from './errors.js';
import type { Bucket } from './storage.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Bucket names: 3 to 63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit. */
export function validateBucketName(name: string): void {
  if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name });
  }
}

export function createBucketRecord(name: string): Bucket {
  return { name, createdAt: new Date(), objects: new Map(), uploads: new Map() };
}
