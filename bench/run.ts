import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchFigure, type BenchResult, meetsTarget } from './types.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, 'results');

function format(value: number | undefined): string {
  if (value === undefined) return '';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function printTable(result: BenchResult): void {
  const rows = result.figures.map((figure: BenchFigure) => [
    figure.metric,
    `${format(figure.value)} ${figure.unit}`,
    figure.baseline ? `${figure.baseline}: ${format(figure.baselineValue)}` : '',
    format(figure.ratio),
    figure.target
      ? `${figure.ratio === undefined ? 'value' : 'ratio'} ${figure.target.op} ${figure.target.value}`
      : '',
    figure.target ? (meetsTarget(figure) ? 'met' : 'MISSED') : '',
  ]);
  const header = ['metric', 'value', 'baseline', 'ratio', 'target', 'result'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  process.stdout.write(
    `\n${result.name}\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n`,
  );
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

/** Runs `bench/*.bench.ts` (or the ones named on the command line) one after another. */
async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const files = (await readdir(benchDir)).filter((file) => file.endsWith('.bench.ts')).sort();
  const selected =
    wanted.length > 0 ? files.filter((file) => wanted.includes(file.replace(/\.bench\.ts$/, ''))) : files;
  if (selected.length === 0) {
    const names = files.map((file) => file.replace(/\.bench\.ts$/, '')).join(', ');
    process.stderr.write(`No benchmark matches ${wanted.join(', ')}; available: ${names}\n`);
    return 2;
  }

  await mkdir(resultsDir, { recursive: true });
  let missed = 0;
  for (const file of selected) {
    const module = (await import(pathToFileURL(path.join(benchDir, file)).href)) as {
      default: () => Promise<BenchResult>;
    };
    const result = await module.default();
    printTable(result);
    missed += result.figures.filter((figure) => !meetsTarget(figure)).length;
    const record = {
      name: result.name,
      measuredAt: new Date().toISOString(),
      node: process.version,
      figures: result.figures,
    };
    await writeFile(path.join(resultsDir, `${result.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  }
  process.stdout.write(`\n${missed === 0 ? 'All targets met.' : `${missed} target(s) missed.`}\n`);
  return missed === 0 ? 0 : 1;
}

process.exitCode = await main();
