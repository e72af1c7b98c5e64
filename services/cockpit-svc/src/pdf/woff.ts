import { inflateSync } from 'node:zlib';

const WOFF_SIGNATURE = 0x774f4646; // 'wOFF'
const WOFF_HEADER_BYTES = 44;
const WOFF_TABLE_ENTRY_BYTES = 20;
const SFNT_HEADER_BYTES = 12;
const SFNT_TABLE_RECORD_BYTES = 16;

/**
 * Converts a WOFF 1.0 font (W3C WOFF File Format 1.0) to the plain TrueType/OpenType (sfnt) bytes
 * it wraps: each table is inflated once, here. fontkit can read WOFF directly, but it inflates a
 * table again on every access, which made font subsetting the slowest step of a PDF render.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.length < WOFF_HEADER_BYTES || woff.readUInt32BE(0) !== WOFF_SIGNATURE) {
    throw new Error('The font file is not WOFF 1.0: the wOFF signature is missing');
  }
  const flavor = woff.readUInt32BE(4);
  const tableCount = woff.readUInt16BE(12);
  const tables = Array.from({ length: tableCount }, (_unused, index) => {
    const entry = WOFF_HEADER_BYTES + index * WOFF_TABLE_ENTRY_BYTES;
    const offset = woff.readUInt32BE(entry + 4);
    const compressedLength = woff.readUInt32BE(entry + 8);
    const length = woff.readUInt32BE(entry + 12);
    const stored = woff.subarray(offset, offset + compressedLength);
    const data = compressedLength < length ? inflateSync(stored) : stored;
    if (data.length !== length) {
      throw new Error(`WOFF table ${index} inflated to ${data.length} bytes instead of ${length}`);
    }
    return { tag: woff.readUInt32BE(entry), checksum: woff.readUInt32BE(entry + 16), data };
  });

  const headerBytes = SFNT_HEADER_BYTES + tableCount * SFNT_TABLE_RECORD_BYTES;
  const dataBytes = tables.reduce((sum, table) => sum + padded(table.data.length), 0);
  const sfnt = Buffer.alloc(headerBytes + dataBytes);
  // The binary-search fields of the sfnt header, as the OpenType specification defines them.
  const entrySelector = Math.floor(Math.log2(tableCount));
  const searchRange = 2 ** entrySelector * 16;
  sfnt.writeUInt32BE(flavor, 0);
  sfnt.writeUInt16BE(tableCount, 4);
  sfnt.writeUInt16BE(searchRange, 6);
  sfnt.writeUInt16BE(entrySelector, 8);
  sfnt.writeUInt16BE(tableCount * 16 - searchRange, 10);

  let offset = headerBytes;
  tables.forEach((table, index) => {
    const record = SFNT_HEADER_BYTES + index * SFNT_TABLE_RECORD_BYTES;
    sfnt.writeUInt32BE(table.tag, record);
    sfnt.writeUInt32BE(table.checksum, record + 4);
    sfnt.writeUInt32BE(offset, record + 8);
    sfnt.writeUInt32BE(table.data.length, record + 12);
    table.data.copy(sfnt, offset);
    offset += padded(table.data.length);
  });
  return sfnt;
}

function padded(length: number): number {
  return (length + 3) & ~3;
}
