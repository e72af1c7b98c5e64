/**
 * Streamed upload through @skillancer/object-storage's S3 driver against the local S3 peer.
 *
 * Throughput: a 200 MB stream of unknown length goes through `store.put`, which uploads buffered
 * multipart parts (8 MiB, 3 in flight). The baseline is one raw SDK PutObject of the same bytes as a
 * stream with a known length. The two alternate, each going first in every other pair, and each figure is the median of 5 runs.
 *
 * Memory: the peak RSS of a fresh process while it streams 200 MB, and 1 GB, through the driver. Beside
 * it, in the same kind of fresh process, two baselines for the same 1 GB stream: a raw SDK PutObject,
 * and a loop that only reads the stream and drops every chunk. The read-only loop shows what the
 * runtime alone costs. V8 frees a Buffer's memory only when it collects the Buffer, and it lets tens
 * of megabytes of dropped chunks pile up between collections. The driver's own cost is its peak
 * minus the raw SDK's, which reads the stream at about the same pace. Each memory figure is the
 * median of 3 processes, because the collector's timing moves a single peak by 10 to 40 MB.
 *
 * The peer runs as its own process (`packages/testing/src/s3/main.ts`) and every measurement runs in
 * a fresh worker process (this file with OBJECT_STORAGE_BENCH_WORKER set), so neither the peer's
 * memory nor what earlier benchmarks left in the runner's heap counts toward the RSS figures. Both
 * clients use WHEN_REQUIRED checksums, the driver's setting for non-AWS endpoints.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '@skillancer/object-storage';
import { startS3PeerProcess } from './s3-peer-process.js';
import type { BenchFigure, BenchResult } from './types.js';

const MB = 1_000_000;
const CHUNK_BYTES = 64 * 1024;
const THROUGHPUT_BYTES = 200 * MB;
const LARGE_BYTES = 1000 * MB;
const RUNS = 5;
const MEMORY_RUNS = 3;
const BUCKET = 'bench';
const ACCESS_KEY_ID = 'BENCHKEY';
const SECRET_ACCESS_KEY = 'bench-secret-access-key';

const thisFile = fileURLToPath(import.meta.url);
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

type MemoryMode = 'driver-memory' | 'raw-memory' | 'read-memory';

interface WorkerRequest {
  endpoint: string;
  mode: 'throughput' | MemoryMode;
  bytes: number;
}

interface WorkerResult {
  driverMBps?: number[];
  rawMBps?: number[];
  peakRssMB?: number;
  startRssMB?: number;
  seconds?: number;
}

/**
 * Streams `bytes` of random data in 64 KiB chunks with a 256 KiB buffer, like a file read stream, as
 * a stream of unknown length. Every chunk is a fresh copy, as reads from a file or socket are.
 */
function source(bytes: number): Readable {
  const block = randomBytes(2 * CHUNK_BYTES);
  let offset = 0;
  return new Readable({
    highWaterMark: 4 * CHUNK_BYTES,
    read() {
      if (offset >= bytes) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK_BYTES, bytes - offset);
      const start = ((offset / CHUNK_BYTES) % 64) * 1024;
      offset += length;
      this.push(Buffer.from(block.subarray(start, start + length)));
    },
  });
}

async function timed(bytes: number, work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return bytes / MB / ((performance.now() - started) / 1000);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Runs inside the worker process and prints one JSON line with the measurements. */
async function runWorker(request: WorkerRequest): Promise<WorkerResult> {
  const connection = {
    endpoint: request.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  };
  const store = new S3ObjectStore({
    bucket: BUCKET,
    endpoint: request.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
  });
  const raw = new S3Client({
    ...connection,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    if (request.mode !== 'throughput') {
      const startRssMB = process.memoryUsage.rss() / MB;
      // Sampled, because getrusage's maxRSS of a spawned child starts at its parent's resident size on
      // Linux (the fork shares the parent's memory), which hid the upload's own peak.
      let peakRssMB = startRssMB;
      const sampler = setInterval(() => {
        peakRssMB = Math.max(peakRssMB, process.memoryUsage.rss() / MB);
      }, 5);
      const started = performance.now();
      let readBytes = 0;
      if (request.mode === 'driver-memory') {
        await store.put('memory', source(request.bytes));
      } else if (request.mode === 'read-memory') {
        for await (const chunk of source(request.bytes)) {
          readBytes += (chunk as Buffer).length;
        }
      } else {
        await raw.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: 'memory',
            Body: source(request.bytes),
            ContentLength: request.bytes,
          }),
        );
      }
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      peakRssMB = Math.max(peakRssMB, process.memoryUsage.rss() / MB);
      if (request.mode === 'read-memory' && readBytes !== request.bytes) {
        throw new Error(`The read-only loop read ${readBytes} of ${request.bytes} bytes.`);
      }
      return { startRssMB, peakRssMB, seconds };
    }
    // Warm up both paths (connections, JIT) before measuring.
    await store.put('warm-driver', source(40 * MB));
    await raw.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'warm-raw',
        Body: source(40 * MB),
        ContentLength: 40 * MB,
      }),
    );
    const driverMBps: number[] = [];
    const rawMBps: number[] = [];
    const measureDriver = async (): Promise<void> => {
      driverMBps.push(await timed(request.bytes, () => store.put('driver', source(request.bytes))));
    };
    const measureRaw = async (): Promise<void> => {
      rawMBps.push(
        await timed(request.bytes, () =>
          raw.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: 'raw',
              Body: source(request.bytes),
              ContentLength: request.bytes,
            }),
          ),
        ),
      );
    };
    // Alternate which path goes first, so neither always follows the other's garbage.
    for (let run = 0; run < RUNS; run += 1) {
      if (run % 2 === 0) {
        await measureDriver();
        await measureRaw();
      } else {
        await measureRaw();
        await measureDriver();
      }
    }
    return { driverMBps, rawMBps };
  } finally {
    await store.close();
    raw.destroy();
  }
}

async function runWorkerProcess(request: WorkerRequest): Promise<WorkerResult> {
  const child = spawn(process.execPath, ['--import', tsxLoader, thisFile], {
    env: { ...process.env, OBJECT_STORAGE_BENCH_WORKER: JSON.stringify(request) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.setEncoding('utf8');
  let output = '';
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) {
    throw new Error(`The object-storage benchmark worker exited with code ${code}.`);
  }
  const line = output.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(line) as WorkerResult;
}

interface MemoryFigures {
  peakRssMB: number;
  startRssMB: number;
  seconds: number;
}

/** Runs one memory measurement in `MEMORY_RUNS` fresh processes and takes the median of each figure. */
async function medianMemory(endpoint: string, mode: MemoryMode, bytes: number): Promise<MemoryFigures> {
  const results: WorkerResult[] = [];
  for (let run = 0; run < MEMORY_RUNS; run += 1) {
    results.push(await runWorkerProcess({ endpoint, mode, bytes }));
  }
  const figure = (pick: (result: WorkerResult) => number | undefined): number =>
    median(results.map((result) => pick(result) ?? Number.NaN));
  return {
    peakRssMB: figure((result) => result.peakRssMB),
    startRssMB: figure((result) => result.startRssMB),
    seconds: figure((result) => result.seconds),
  };
}

export default async function run(): Promise<BenchResult> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'object-storage-bench-'));
  const peer = await startS3PeerProcess({
    dataDir,
    profile: 'aws',
    bucket: BUCKET,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
  });
  try {
    const throughput = await runWorkerProcess({
      endpoint: peer.endpoint,
      mode: 'throughput',
      bytes: THROUGHPUT_BYTES,
    });
    const memory = await medianMemory(peer.endpoint, 'driver-memory', THROUGHPUT_BYTES);
    const large = await medianMemory(peer.endpoint, 'driver-memory', LARGE_BYTES);
    const rawMemory = await medianMemory(peer.endpoint, 'raw-memory', LARGE_BYTES);
    const readMemory = await medianMemory(peer.endpoint, 'read-memory', LARGE_BYTES);
    const driver = median(throughput.driverMBps ?? []);
    const raw = median(throughput.rawMBps ?? []);
    const figures: BenchFigure[] = [
      {
        metric: 'streamed upload, 200 MB, driver put (median of 5)',
        value: driver,
        unit: 'MB/s',
        baseline: 'raw SDK PutObject stream',
        baselineValue: raw,
        ratio: driver / raw,
        target: { op: '>=', value: 0.9 },
      },
      {
        metric: 'peak RSS, fresh process, 200 MB streamed through the driver (median of 3)',
        value: memory.peakRssMB,
        unit: 'MB',
        target: { op: '<=', value: 150 },
      },
      {
        metric: 'peak RSS, fresh process, 1 GB streamed through the driver (median of 3)',
        value: large.peakRssMB,
        unit: 'MB',
        target: { op: '<=', value: 150 },
      },
      {
        metric: 'peak RSS, fresh process, 1 GB raw SDK PutObject stream (median of 3)',
        value: rawMemory.peakRssMB,
        unit: 'MB',
      },
      {
        metric: 'peak RSS, fresh process, 1 GB read and dropped, no upload (median of 3)',
        value: readMemory.peakRssMB,
        unit: 'MB',
      },
      {
        metric: '1 GB driver peak minus 1 GB raw SDK peak',
        value: large.peakRssMB - rawMemory.peakRssMB,
        unit: 'MB',
      },
      {
        metric: 'RSS of a fresh worker before uploading (tsx + SDK loaded)',
        value: large.startRssMB,
        unit: 'MB',
      },
      { metric: '1 GB upload duration through the driver', value: large.seconds, unit: 's' },
    ];
    return { name: 'object-storage', figures };
  } finally {
    await peer.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const workerRequest = process.env.OBJECT_STORAGE_BENCH_WORKER;
if (workerRequest !== undefined && process.argv[1] === thisFile) {
  const result = await runWorker(JSON.parse(workerRequest) as WorkerRequest);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
