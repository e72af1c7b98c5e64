import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ListedObject } from '../types.js';
import { type BucketLayout, isMissing } from './layout.js';
import { readSidecar } from './sidecar.js';

interface Entry {
  segment: string;
  isDirectory: boolean;
  /** Sort key: a directory sorts as `segment/`, which puts `a-b` before `a/…` as S3's byte order does. */
  sortKey: Buffer;
}

/**
 * Walks the keys under `prefix` in UTF-8 byte order, the order S3 lists in. The prefix may end in the
 * middle of a segment; its complete segments select the directory to start from.
 */
export async function* walkKeys(layout: BucketLayout, prefix: string): AsyncGenerator<ListedObject> {
  const segments = prefix.split('/');
  const partial = segments.pop() as string;
  const directory = layout.directoryOf(segments);
  const keyPrefix = segments.length === 0 ? '' : `${segments.join('/')}/`;
  yield* walkDirectory(layout, directory, keyPrefix, partial);
}

async function* walkDirectory(
  layout: BucketLayout,
  directory: string,
  keyPrefix: string,
  partial: string,
): AsyncGenerator<ListedObject> {
  for (const entry of await readEntries(directory, partial)) {
    const key = `${keyPrefix}${entry.segment}`;
    if (entry.isDirectory) {
      yield* walkDirectory(layout, path.join(directory, `d_${entry.segment}`), `${key}/`, '');
      continue;
    }
    const sidecar = await readSidecar(layout, key);
    // A concurrent delete may remove the sidecar between readdir and read; skip it like S3 would.
    if (sidecar !== null) {
      yield { key, size: sidecar.size, etag: sidecar.etag, lastModified: new Date(sidecar.lastModified) };
    }
  }
}

async function readEntries(directory: string, partial: string): Promise<Entry[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if (isMissing(error)) {
      return [];
    }
    throw error;
  }
  const entries: Entry[] = [];
  for (const name of names) {
    const segment = name.slice(2);
    if (!segment.startsWith(partial)) {
      continue;
    }
    if (name.startsWith('d_')) {
      entries.push({ segment, isDirectory: true, sortKey: Buffer.from(`${segment}/`) });
    } else if (name.startsWith('m_')) {
      entries.push({ segment, isDirectory: false, sortKey: Buffer.from(segment) });
    }
  }
  return entries.sort((left, right) => Buffer.compare(left.sortKey, right.sortKey));
}
