import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Extracts the text of a PDF with poppler's `pdftotext`; undefined when the tool is not installed. */
export async function pdfText(pdf: Buffer): Promise<string | undefined> {
  try {
    const child = run('pdftotext', ['-layout', '-', '-'], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
    child.child.stdin?.end(pdf);
    const { stdout } = await child;
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
