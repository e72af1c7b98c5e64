import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { type FontWeight, fontCatalog, parseUnicodeRange } from '../src/pdf/font-catalog.js';
import { TextPainter } from '../src/pdf/text-painter.js';
import { layoutLine } from '../src/pdf/text-runs.js';
import { woffToSfnt } from '../src/pdf/woff.js';

const fonts = fontCatalog();

/** Returns the painted glyphs of a line as the characters they stand for, left to right. */
function paintedCharacters(line: string, weight: FontWeight = 400): string[] {
  return layoutLine(line, weight, fonts).flatMap((run) =>
    run.face.font.layout(run.text).glyphs.map((glyph) => String.fromCodePoint(...glyph.codePoints)),
  );
}

describe('font fallback', () => {
  const samples = [
    ['Latin with accents', 'Zoë Ångström Façade Ñandú'],
    ['Polish', 'Łukasz Żółkiewski, Łódź'],
    ['Greek', 'Αθηνά Παπαδοπούλου'],
    ['Cyrillic', 'Иван Петров, Київ'],
    ['Chinese', '张伟 北京市朝阳区建国路88号'],
    ['Hebrew', 'דוד כהן, רחוב הרצל'],
    ['Arabic', 'محمد العلي، شارع الملك'],
    ['Vietnamese', 'Nguyễn Thị Minh Khai'],
    ['currency signs', '€ £ ¥ ￥ ₪ ₽ ₴ zł'],
  ] as const;

  it.each(samples)('has a glyph for every %s character', (_script, text) => {
    for (const weight of [400, 700] as const) {
      for (const run of layoutLine(text, weight, fonts)) {
        const glyphs = run.face.font.layout(run.text).glyphs;
        expect(glyphs.filter((glyph) => glyph.id === 0).map((glyph) => glyph.codePoints)).toEqual([]);
      }
    }
  });

  it.each([
    ['Ω', 'noto-sans-greek'],
    ['Ж', 'noto-sans-cyrillic'],
    ['Ł', 'noto-sans-latin-ext'],
    ['a', 'noto-sans-latin'],
    ['张', 'noto-sans-sc'],
    ['ש', 'noto-sans-hebrew'],
    ['م', 'noto-sans-arabic'],
  ])('draws %s with %s', (character, face) => {
    expect(fonts.faceFor(character.codePointAt(0) ?? 0, 400)?.id).toContain(face);
  });
});

describe('layoutLine', () => {
  it('orders right-to-left words from right to left', () => {
    expect(paintedCharacters('abc שלום עולם, דוד').join('')).toBe('abc דוד ,םלוע םולש');
  });

  it('keeps numbers left to right inside right-to-left text', () => {
    expect(paintedCharacters('רחוב 12 תל אביב').join('')).toBe('ביבא לת 12 בוחר');
  });

  it('keeps Arabic-Indic digits in reading order', () => {
    expect(paintedCharacters('رقم ١٢٣').slice(0, 3)).toEqual(['١', '٢', '٣']);
  });

  it('mirrors brackets in right-to-left text', () => {
    expect(paintedCharacters('שלום (עולם)').join('')).toBe('(םלוע) םולש');
  });

  it('drops invisible direction marks', () => {
    expect(paintedCharacters('\u200f1.234,50\u00a0₪').join('')).not.toContain('\u200f');
  });
});

describe('TextPainter.wrap', () => {
  const painter = new TextPainter(new PDFDocument({ autoFirstPage: false }), fonts);
  const style = { size: 10 };

  it('wraps text without spaces within the width', () => {
    const text = '北京市朝阳区建国路八十八号现代城'.repeat(6);
    const lines = painter.wrap(text, 120, style);

    expect(lines.length).toBeGreaterThan(3);
    expect(lines.map((line) => line.text).join('')).toBe(text);
    for (const line of lines) expect(painter.measure(line.text, style)).toBeLessThanOrEqual(120);
  });

  it('cuts a word longer than the line', () => {
    const lines = painter.wrap('x'.repeat(300), 100, style);

    expect(lines.map((line) => line.text).join('')).toBe('x'.repeat(300));
    for (const line of lines) expect(painter.measure(line.text, style)).toBeLessThanOrEqual(100);
  });

  it('keeps newlines and marks right-to-left paragraphs', () => {
    const lines = painter.wrap('Hauptstraße 1\nרחוב הרצל 5', 300, style);

    expect(lines).toEqual([
      { text: 'Hauptstraße 1', direction: 'ltr' },
      { text: 'רחוב הרצל 5', direction: 'rtl' },
    ]);
  });
});

describe('woffToSfnt', () => {
  const file = createRequire(import.meta.url).resolve(
    '@fontsource/noto-sans/files/noto-sans-greek-400-normal.woff',
  );

  it('produces the font the WOFF file wraps', () => {
    const woff = readFileSync(file);
    const direct = fontkit.create(woff);
    const converted = fontkit.create(woffToSfnt(woff));

    if (!('layout' in converted) || !('layout' in direct)) throw new Error('expected single fonts');
    expect(converted.numGlyphs).toBe(direct.numGlyphs);
    expect(converted.layout('Αθηνά').glyphs.map((glyph) => glyph.id)).toEqual(
      direct.layout('Αθηνά').glyphs.map((glyph) => glyph.id),
    );
  });

  it('rejects a file that is not WOFF', () => {
    expect(() => woffToSfnt(Buffer.from('not a font at all, just some bytes of text here'))).toThrow(/WOFF/);
  });
});

describe('parseUnicodeRange', () => {
  it('reads single code points, ranges and wildcards', () => {
    expect(parseUnicodeRange('U+0000-00FF, U+0131,U+4??')).toEqual([
      [0, 255],
      [0x131, 0x131],
      [0x400, 0x4ff],
    ]);
  });
});
