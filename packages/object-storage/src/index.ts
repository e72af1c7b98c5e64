export { bodyChunks } from './body.js';
export { deleteObjectsUnderPrefix, type PrefixDeletion } from './delete-prefix.js';
export {
  isObjectStorageError,
  ObjectStorageError,
  type ObjectStorageErrorCode,
} from './errors.js';
export { createObjectStore, type ObjectStoreConfig } from './factory.js';
export {
  FilesystemPresigner,
  type FilesystemPresignerOptions,
  type IncomingPresignedRequest,
} from './filesystem/presigner.js';
export {
  type FilesystemObjectPluginOptions,
  type FilesystemObjectRoutesOptions,
  filesystemObjectRoutes,
  registerFilesystemObjectRoutes,
} from './filesystem/routes.js';
export { FilesystemObjectStore, type FilesystemObjectStoreConfig } from './filesystem/store.js';
export { attachmentDisposition, MAX_METADATA_BYTES } from './headers.js';
export {
  MAX_KEY_BYTES,
  normalizeKey,
  normalizePrefix,
  type ObjectKeyParts,
  objectKey,
  objectKeyPrefix,
} from './keys.js';
export { createS3Client, isAwsEndpoint, type S3ConnectionConfig } from './s3/client.js';
export { S3ObjectStore, type S3ObjectStoreConfig } from './s3/store.js';
export { MAX_PARTS, MIN_PART_SIZE } from './s3/upload.js';
export type * from './types.js';
export { MAX_PRESIGN_SECONDS } from './urls.js';
