import { createRequire } from 'node:module';
import type { Bidi } from 'bidi-js';
import type { FontCatalog, FontFace, FontWeight } from './font-catalog.js';

// bidi-js 1.1 is a CommonJS module whose module.exports is the factory, while its type definitions
// declare an ES default export, which TypeScript's NodeNext resolution then mistypes. Loading it
// with require keeps the runtime value and the declared type in agreement.
const bidi = (createRequire(import.meta.url)('bidi-js') as () => Bidi)();

export type TextDirection = 'ltr' | 'rtl' | 'auto';

/** A piece of one line drawn with one font face, in the order it is painted from left to right. */
export interface TextRun {
  /** Text in logical order; for right-to-left scripts the font's shaper reverses the glyphs. */
  text: string;
  face: FontFace;
  /** Advance width in em units: multiply by the font size for points. */
  widthEm: number;
}

interface Segment {
  text: string;
  face: FontFace;
  level: number;
}

const STRONG_TYPES = new Set(['L', 'R', 'AL']);
/** Invisible format characters (such as the RLM that some locales put in currency strings). */
const FORMAT_CHARACTER = /^\p{Cf}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;

/**
 * Splits one line into runs of one font face and one bidi level and orders them for painting by
 * the Unicode Bidirectional Algorithm (levels from bidi-js, runs reordered by rule L2). Each code
 * point gets the first face with a glyph for it. Neutral characters (spaces, digits, punctuation)
 * stay in the face of the text before them when it has the glyph, so runs are not cut needlessly.
 */
export function layoutLine(
  line: string,
  weight: FontWeight,
  fonts: FontCatalog,
  direction: TextDirection = 'auto',
): readonly TextRun[] {
  const key = `${weight}:${direction}:${line}`;
  const cached = layoutCache.get(key);
  if (cached !== undefined && cached.fonts === fonts) return cached.runs;
  const runs = shapeLine(line, weight, fonts, direction);
  if (layoutCache.size >= LAYOUT_CACHE_ENTRIES) {
    // Maps iterate in insertion order, so this evicts the oldest entry.
    const oldest = layoutCache.keys().next().value;
    if (oldest !== undefined) layoutCache.delete(oldest);
  }
  layoutCache.set(key, { fonts, runs });
  return runs;
}

/**
 * Laid-out lines by weight, direction and text. Invoices repeat labels, quantities and amounts, and
 * measuring a cell before drawing it lays it out twice, so a small cache halves the shaping work.
 */
const layoutCache = new Map<string, { fonts: FontCatalog; runs: readonly TextRun[] }>();
const LAYOUT_CACHE_ENTRIES = 4096;

function shapeLine(
  line: string,
  weight: FontWeight,
  fonts: FontCatalog,
  direction: TextDirection,
): TextRun[] {
  const { levels } = bidi.getEmbeddingLevels(line, direction);
  const segments: Segment[] = [];
  let index = 0;
  for (const character of line) {
    const level = levels[index] ?? 0;
    index += character.length;
    if (FORMAT_CHARACTER.test(character)) continue;
    const previous = segments.at(-1);
    const { face, text } = chooseFace(character, previous?.face, weight, fonts);
    if (previous !== undefined && previous.face === face && previous.level === level) {
      previous.text += text;
    } else {
      segments.push({ text, face, level });
    }
  }
  return reorder(segments).map((segment) => paintedRun(segment));
}

/** Returns the width of a line in points at the given font size. */
export function measureLine(line: string, weight: FontWeight, size: number, fonts: FontCatalog): number {
  return layoutLine(line, weight, fonts).reduce((sum, run) => sum + run.widthEm, 0) * size;
}

/**
 * Returns the base direction of a paragraph by rules P2 and P3 of the bidi algorithm: that of its
 * first letter with a strong direction, or left-to-right when it has none.
 */
export function paragraphDirection(paragraph: string): 'ltr' | 'rtl' {
  const level = bidi.getEmbeddingLevels(paragraph, 'auto').paragraphs[0]?.level ?? 0;
  return level % 2 === 1 ? 'rtl' : 'ltr';
}

function chooseFace(
  character: string,
  previous: FontFace | undefined,
  weight: FontWeight,
  fonts: FontCatalog,
): { face: FontFace; text: string } {
  const codePoint = character.codePointAt(0) ?? 0;
  const neutral = !STRONG_TYPES.has(bidi.getBidiCharTypeName(character));
  if (neutral && previous?.hasGlyph(codePoint)) return { face: previous, text: character };
  const face = fonts.faceFor(codePoint, weight);
  if (face !== null) return { face, text: character };
  // A space the fonts lack (a rare width variant) prints as a plain space. Any other missing
  // character prints as the primary font's missing-glyph box, so the reader sees the gap.
  if (SPACE_SEPARATOR.test(character)) return { face: fonts.primary(weight), text: ' ' };
  return { face: previous ?? fonts.primary(weight), text: character };
}

/** Rule L2: from the highest level down to the lowest odd one, reverse every run of segments at that level or above. */
function reorder(segments: Segment[]): Segment[] {
  const ordered = [...segments];
  const levels = ordered.map((segment) => segment.level);
  const highest = Math.max(0, ...levels);
  const lowestOdd = Math.min(...levels.filter((level) => level % 2 === 1), highest + 1);
  for (let level = highest; level >= lowestOdd; level--) {
    let start = 0;
    while (start < ordered.length) {
      if ((ordered[start]?.level ?? 0) < level) {
        start++;
        continue;
      }
      let end = start;
      while (end + 1 < ordered.length && (ordered[end + 1]?.level ?? 0) >= level) end++;
      const reversed = ordered.slice(start, end + 1).reverse();
      ordered.splice(start, reversed.length, ...reversed);
      start = end + 1;
    }
  }
  return ordered;
}

/**
 * Prepares a segment for pdfkit, whose shaper (fontkit) picks the direction from the script of the
 * text and reverses the glyphs of right-to-left scripts. Brackets in right-to-left segments are
 * mirrored. Where the shaper's direction differs from the segment's bidi level, the text is reversed
 * here first: a right-to-left segment without letters (", " between two Hebrew words), or a
 * left-to-right run of Arabic-Indic digits, which the shaper would otherwise flip.
 */
function paintedRun(segment: Segment): TextRun {
  const rightToLeft = segment.level % 2 === 1;
  const characters = [...segment.text].map((character) =>
    rightToLeft ? (bidi.getMirroredCharacter(character) ?? character) : character,
  );
  let text = characters.join('');
  let glyphs = segment.face.font.layout(text);
  if ((glyphs.direction === 'rtl') !== rightToLeft) {
    text = characters.reverse().join('');
    glyphs = segment.face.font.layout(text);
  }
  return { text, face: segment.face, widthEm: glyphs.advanceWidth / segment.face.font.unitsPerEm };
}
