export {
  createDecryptStream,
  createRangeDecryptor,
  createRangeDecryptStream,
  DecryptStream,
  RangeDecryptor,
  RangeDecryptStream,
} from './decrypt-stream.js';
export {
  createEncryptStream,
  createStreamEncryptor,
  EncryptStream,
  type EncryptStreamOptions,
  StreamEncryptor,
} from './encrypt-stream.js';
export {
  DEFAULT_SEGMENT_SIZE,
  MAX_SEGMENT_SIZE,
  MIN_SEGMENT_SIZE,
  type PlaintextRange,
  parseStreamHeader,
  planStreamRange,
  STREAM_FORMAT_VERSION,
  STREAM_HEADER_BYTES,
  STREAM_TAG_BYTES,
  type StreamHeader,
  type StreamRangePlan,
  segmentCount,
  streamCiphertextBytes,
  streamPlaintextBytes,
} from './stream-format.js';
export type { StreamContext, StreamKeySource } from './stream-key.js';
export {
  readSealKeyVersion,
  type SealedPart,
  type SealedRecordContext,
  type SealedTotals,
  StreamSealer,
} from './stream-seal.js';
