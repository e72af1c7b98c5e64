import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as fontkit from 'fontkit';
import { woffToSfnt } from './woff.js';

export type FontWeight = 400 | 700;

/**
 * Font packages in fallback order. Each is split by Fontsource into subset files (latin, greek,
 * cyrillic, numbered Chinese slices, ...), and its `<weight>.css` names every file with the
 * `unicode-range` it covers. Noto Sans comes first so that Latin, Greek and Cyrillic text keeps
 * one look; the others add Hebrew, Arabic and Chinese.
 */
const FONT_PACKAGES = [
  '@fontsource/noto-sans',
  '@fontsource/noto-sans-hebrew',
  '@fontsource/noto-sans-arabic',
  '@fontsource/noto-sans-sc',
] as const;

/** One subset file of a font: the WOFF file, the code point ranges its CSS declares, and the parsed font. */
export class FontFace {
  private loaded: fontkit.Font | undefined;

  constructor(
    /** The file name without extension, such as `noto-sans-greek-400-normal`; also the PDF font alias. */
    readonly id: string,
    private readonly file: string,
    private readonly ranges: ReadonlyArray<readonly [number, number]>,
  ) {}

  declares(codePoint: number): boolean {
    return this.ranges.some(([start, end]) => codePoint >= start && codePoint <= end);
  }

  /** The parsed font, read from disk on first use and kept for the life of the process. */
  get font(): fontkit.Font {
    if (this.loaded === undefined) {
      const font = fontkit.create(woffToSfnt(readFileSync(this.file)));
      if (!('layout' in font)) throw new Error(`${this.file} is a font collection, not a single font`);
      this.loaded = font;
    }
    return this.loaded;
  }

  hasGlyph(codePoint: number): boolean {
    return this.font.hasGlyphForCodePoint(codePoint);
  }
}

/**
 * Picks, for each code point, the first font face that has a glyph for it. Faces are read lazily, so
 * a document that uses only Latin text never parses the Chinese files.
 */
export class FontCatalog {
  private readonly faces: Record<FontWeight, FontFace[]>;
  private readonly choices: Record<FontWeight, Map<number, FontFace | null>> = {
    400: new Map(),
    700: new Map(),
  };

  constructor() {
    this.faces = { 400: loadFaces(400), 700: loadFaces(700) };
  }

  /** Returns the face used when no face has a glyph; it draws the font's "missing glyph" box. */
  primary(weight: FontWeight): FontFace {
    const face = this.faces[weight].find((candidate) => candidate.id.includes('-latin-'));
    if (face === undefined)
      throw new Error('The Noto Sans latin subset is missing from @fontsource/noto-sans');
    return face;
  }

  /** Returns the first face in fallback order with a glyph for the code point, or null when none has one. */
  faceFor(codePoint: number, weight: FontWeight): FontFace | null {
    const cache = this.choices[weight];
    let face = cache.get(codePoint);
    if (face === undefined) {
      face =
        this.faces[weight].find(
          (candidate) => candidate.declares(codePoint) && candidate.hasGlyph(codePoint),
        ) ?? null;
      cache.set(codePoint, face);
    }
    return face;
  }
}

function loadFaces(weight: FontWeight): FontFace[] {
  const require = createRequire(import.meta.url);
  return FONT_PACKAGES.flatMap((name) => {
    const cssPath = require.resolve(`${name}/${weight}.css`);
    return parseFontFaces(readFileSync(cssPath, 'utf8'), path.dirname(cssPath));
  });
}

/** Reads the WOFF file and `unicode-range` of every `@font-face` rule in a Fontsource CSS file. */
export function parseFontFaces(css: string, directory: string): FontFace[] {
  const faces: FontFace[] = [];
  for (const rule of css.split('@font-face').slice(1)) {
    const file = /url\(\.\/files\/([\w.-]+\.woff)\) format\('woff'\)/.exec(rule)?.[1];
    const ranges = /unicode-range:\s*([^;]+);/.exec(rule)?.[1];
    if (file === undefined || ranges === undefined) continue;
    faces.push(
      new FontFace(
        file.replace(/\.woff$/, ''),
        path.join(directory, 'files', file),
        parseUnicodeRange(ranges),
      ),
    );
  }
  return faces;
}

/** Parses a CSS `unicode-range` value such as `U+0000-00FF,U+0131,U+4??`. */
export function parseUnicodeRange(value: string): Array<[number, number]> {
  return value.split(',').map((part) => {
    const [start = '', end] = part.trim().replace(/^U\+/i, '').split('-');
    if (end !== undefined) return [Number.parseInt(start, 16), Number.parseInt(end, 16)];
    return [Number.parseInt(start.replaceAll('?', '0'), 16), Number.parseInt(start.replaceAll('?', 'F'), 16)];
  });
}

let shared: FontCatalog | undefined;

/** Returns the process-wide catalog, so that every document reuses the parsed fonts. */
export function fontCatalog(): FontCatalog {
  shared ??= new FontCatalog();
  return shared;
}
