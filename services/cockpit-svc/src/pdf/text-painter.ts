import LineBreaker from 'linebreak';
import type { FontCatalog, FontFace, FontWeight } from './font-catalog.js';
import { layoutLine, measureLine, paragraphDirection } from './text-runs.js';

/** One line of wrapped text with the base direction of the paragraph it came from. */
export interface WrappedLine {
  text: string;
  direction: 'ltr' | 'rtl';
}

export interface TextStyle {
  size: number;
  weight?: FontWeight;
  color?: string;
}

/**
 * Draws and wraps text in any script on a pdfkit document, with per-run font fallback and
 * right-to-left reordering (see `layoutLine`). Coordinates are pdfkit's: points from the top left,
 * and `y` is the baseline.
 */
export class TextPainter {
  private readonly registered = new Set<string>();

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly fonts: FontCatalog,
  ) {}

  measure(text: string, style: TextStyle): number {
    return measureLine(text, style.weight ?? 400, style.size, this.fonts);
  }

  /** Draws one line starting at `x`, or ending at `x` when `align` is `right`. Returns its width. */
  draw(
    text: string,
    x: number,
    baseline: number,
    style: TextStyle,
    align: 'left' | 'right' = 'left',
    direction: 'ltr' | 'rtl' | 'auto' = 'auto',
  ): number {
    const runs = layoutLine(text, style.weight ?? 400, this.fonts, direction);
    const width = runs.reduce((sum, run) => sum + run.widthEm, 0) * style.size;
    let cursor = align === 'right' ? x - width : x;
    this.doc.fillColor(style.color ?? '#1a1a1a').fontSize(style.size);
    for (const run of runs) {
      this.useFace(run.face);
      // An empty feature list keeps the font's default features and makes pdfkit shape the run as
      // one piece. Without it, pdfkit 0.20 shapes each space-separated word on its own and joins
      // the results in logical order, which puts right-to-left words in the wrong order.
      this.doc.text(run.text, cursor, baseline, { lineBreak: false, baseline: 'alphabetic', features: [] });
      cursor += run.widthEm * style.size;
    }
    return width;
  }

  /**
   * Draws a wrapped line inside a box: left-aligned when its paragraph is left-to-right and
   * right-aligned when it is right-to-left, as readers of Hebrew and Arabic expect.
   */
  drawWrapped(line: WrappedLine, x: number, width: number, baseline: number, style: TextStyle): void {
    if (line.direction === 'rtl') this.draw(line.text, x + width, baseline, style, 'right', 'rtl');
    else this.draw(line.text, x, baseline, style, 'left', 'ltr');
  }

  /**
   * Breaks text into lines no wider than `width` points. Newlines start new lines; other breaks
   * follow the Unicode line breaking algorithm (UAX #14), so text without spaces, such as Chinese,
   * also wraps. A word wider than the line is cut between characters.
   */
  wrap(text: string, width: number, style: TextStyle): WrappedLine[] {
    const lines: WrappedLine[] = [];
    for (const paragraph of text.split(/\r\n|\r|\n/)) {
      const direction = paragraphDirection(paragraph);
      const push = (line: string) => lines.push({ text: line, direction });
      let line = '';
      for (const piece of breakPieces(paragraph)) {
        const candidate = line + piece;
        if (this.measure(candidate.trimEnd(), style) <= width) {
          line = candidate;
          continue;
        }
        if (line !== '') push(line.trimEnd());
        line = piece;
        while (this.measure(line.trimEnd(), style) > width) {
          const cut = this.longestFittingPrefix(line, width, style);
          push(line.slice(0, cut));
          line = line.slice(cut);
        }
      }
      push(line.trimEnd());
    }
    return lines;
  }

  /** Returns the UTF-16 length of the longest prefix that fits, at least one code point. */
  private longestFittingPrefix(text: string, width: number, style: TextStyle): number {
    const characters = [...text];
    let low = 1;
    let high = characters.length;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (this.measure(characters.slice(0, middle).join(''), style) <= width) low = middle;
      else high = middle - 1;
    }
    return characters.slice(0, low).join('').length;
  }

  private useFace(face: FontFace): void {
    if (!this.registered.has(face.id)) {
      // pdfkit 0.20 accepts a parsed fontkit font wherever it accepts font bytes (PDFFontFactory.open
      // checks for a layout method), which lets every document reuse the fonts parsed once per process.
      // Its type definitions list only paths and buffers.
      this.doc.registerFont(face.id, face.font as unknown as Buffer);
      this.registered.add(face.id);
    }
    this.doc.font(face.id);
  }
}

/** Splits a paragraph at its line break opportunities; each piece keeps its trailing spaces. */
function breakPieces(paragraph: string): string[] {
  const pieces: string[] = [];
  const breaker = new LineBreaker(paragraph);
  let start = 0;
  for (let next = breaker.nextBreak(); next !== null; next = breaker.nextBreak()) {
    if (next.position > start) pieces.push(paragraph.slice(start, next.position));
    start = next.position;
  }
  return pieces;
}
