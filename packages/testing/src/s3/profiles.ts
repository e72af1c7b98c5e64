/** Which store's documented behaviour the peer imitates. */
export type S3PeerProfileName = 'aws' | 'r2' | 'minio';

/** Behaviour that differs between S3-compatible stores. */
export interface S3PeerProfile {
  name: S3PeerProfileName;
  /** Region the peer expects in credential scopes. */
  region: string;
  /** Other region names accepted as aliases (R2 treats `us-east-1` and an empty region as `auto`). */
  regionAliases: readonly string[];
  /** `x-amz-acl` / `x-amz-grant-*` headers and `?acl` requests answer 501 NotImplemented (R2 has no ACLs). */
  rejectsAcl: boolean;
  /** Object tagging (`?tagging`, `x-amz-tagging`) answers 501 NotImplemented. */
  rejectsTagging: boolean;
  /** Keys are normalized to Unicode NFC, so two spellings of "é" name one object (R2). */
  normalizesKeysToNfc: boolean;
  /** All parts but the last must have the same size, and the last must not be larger (R2). */
  requiresEqualParts: boolean;
  /** CompleteMultipartUpload sorts the part list instead of rejecting an unsorted one (R2). */
  sortsCompletedParts: boolean;
  /** Status of a write with If-Match on a missing key: AWS answers 404 NoSuchKey, R2 412. */
  ifMatchOnMissingStatus: 404 | 412;
  /** Bytes of user metadata (names plus values) allowed per object. */
  maxMetadataBytes: number;
  /** GET honours `response-content-type` and similar query overrides (R2 ignores them). */
  honoursResponseOverrides: boolean;
  /** `x-amz-checksum-algorithm` on CopyObject answers 501 NotImplemented (R2). */
  rejectsChecksumOnCopy: boolean;
}

const AWS: S3PeerProfile = {
  name: 'aws',
  region: 'us-east-1',
  regionAliases: [],
  rejectsAcl: false,
  rejectsTagging: true,
  normalizesKeysToNfc: false,
  requiresEqualParts: false,
  sortsCompletedParts: false,
  ifMatchOnMissingStatus: 404,
  maxMetadataBytes: 2048,
  honoursResponseOverrides: true,
  rejectsChecksumOnCopy: false,
};

/**
 * Profiles. `aws` follows the AWS S3 API reference, `r2` the Cloudflare R2 S3 compatibility page
 * (no ACLs or tagging, NFC keys, equal multipart parts, region `auto`, no response overrides), and
 * `minio` differs from `aws` only in its default region, since this peer models no MinIO-specific quirk.
 * Tagging is not implemented by the peer in any profile.
 */
export const PROFILES: Record<S3PeerProfileName, S3PeerProfile> = {
  aws: AWS,
  minio: { ...AWS, name: 'minio' },
  r2: {
    name: 'r2',
    region: 'auto',
    regionAliases: ['us-east-1', ''],
    rejectsAcl: true,
    rejectsTagging: true,
    normalizesKeysToNfc: true,
    requiresEqualParts: true,
    sortsCompletedParts: true,
    ifMatchOnMissingStatus: 412,
    maxMetadataBytes: 8192,
    honoursResponseOverrides: false,
    rejectsChecksumOnCopy: true,
  },
};
