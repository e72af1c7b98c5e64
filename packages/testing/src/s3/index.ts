export { crc32c } from './checksums.js';
export type { AccessPolicy, RequestLogEntry } from './context.js';
export type { FaultHandle, FaultRequest, FaultRule } from './faults.js';
export type { S3Operation } from './operations.js';
export { type PendingUpload, type S3Peer, type S3PeerOptions, startS3Peer } from './peer.js';
export { PROFILES, type S3PeerProfile, type S3PeerProfileName } from './profiles.js';
