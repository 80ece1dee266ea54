// QR symbols of version 1 (21 × 21 modules) for short texts of digits and capital letters, the
// shape of every pickup code. bwip-js (BWIPP, PostScript compiled to JavaScript) took about 5 ms
// to encode one, a quarter of the worker's CPU for a "ready for pickup" mail; this takes about a
// fifteenth of that. It makes the very symbol BWIPP makes, module for module, so a code prints the
// same whichever encoded it: BWIPP raises the error correction level to the highest the version
// still holds (H for a pickup code), cuts the text into numeric and alphanumeric segments in the
// fewest bits and scores the masks in its own way (labels.test.ts compares the two for random
// codes and for every arrangement of digits and letters). Anything longer is left to bwip-js.

export interface QrModules {
  /** Modules a side. */
  size: number;
  dark: (row: number, column: number) => boolean;
}

const SIZE = 21;
// Level H at version 1: 9 data codewords and 17 error correction codewords, one block.
const DATA_CODEWORDS = 9;
const EC_CODEWORDS = 17;
const CAPACITY_BITS = DATA_CODEWORDS * 8;
// The format information's two bits for level H.
const LEVEL_H_BITS = 0b10;

const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const MODE_NUMERIC = 0b0001;
const MODE_ALPHANUMERIC = 0b0010;
// Character count field widths at versions 1 to 9.
const COUNT_BITS_NUMERIC = 10;
const COUNT_BITS_ALPHANUMERIC = 9;

const isDigit = (ch: string) => ch >= "0" && ch <= "9";

class Bits {
  readonly values: number[] = [];
  push(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) this.values.push((value >>> i) & 1);
  }
}

function pushNumeric(bits: Bits, digits: string): void {
  bits.push(MODE_NUMERIC, 4);
  bits.push(digits.length, COUNT_BITS_NUMERIC);
  for (let i = 0; i < digits.length; i += 3) {
    const group = digits.slice(i, i + 3);
    // 3 digits in 10 bits, 2 in 7, 1 in 4.
    bits.push(Number(group), group.length * 3 + 1);
  }
}

function pushAlphanumeric(bits: Bits, text: string): void {
  bits.push(MODE_ALPHANUMERIC, 4);
  bits.push(text.length, COUNT_BITS_ALPHANUMERIC);
  for (let i = 0; i < text.length; i += 2) {
    const first = ALPHANUMERIC.indexOf(text.charAt(i));
    if (i + 1 < text.length) bits.push(first * 45 + ALPHANUMERIC.indexOf(text.charAt(i + 1)), 11);
    else bits.push(first, 6);
  }
}

interface Segment {
  numeric: boolean;
  text: string;
}

/** Bits a segment takes: mode indicator, character count, then the characters. */
function segmentBits(numeric: boolean, length: number): number {
  return numeric
    ? 4 + COUNT_BITS_NUMERIC + Math.floor(length / 3) * 10 + [0, 4, 7][length % 3]!
    : 4 + COUNT_BITS_ALPHANUMERIC + Math.floor(length / 2) * 11 + (length % 2) * 6;
}

/**
 * The text cut into numeric and alphanumeric segments in the fewest bits: a run of digits among
 * letters costs segment headers, so whether it is a segment of its own depends on its length and
 * place. Between cuts of equal length BWIPP takes the one whose last segment starts latest.
 */
function segments(text: string): Segment[] {
  const best: Array<{ bits: number; segments: Segment[] }> = [{ bits: 0, segments: [] }];
  for (let end = 1; end <= text.length; end++) {
    let shortest = { bits: Infinity, segments: [] as Segment[] };
    for (let start = 0; start < end; start++) {
      const before = best[start]!;
      const part = text.slice(start, end);
      for (const numeric of [true, false]) {
        if (numeric && ![...part].every(isDigit)) continue;
        const bits = before.bits + segmentBits(numeric, part.length);
        if (bits <= shortest.bits) shortest = { bits, segments: [...before.segments, { numeric, text: part }] };
      }
    }
    best.push(shortest);
  }
  return best[text.length]!.segments;
}

/** The data codewords, or null when the text does not fit version 1 at level H in these modes. */
function dataCodewords(text: string): number[] | null {
  if (text.length === 0 || ![...text].every((ch) => ALPHANUMERIC.includes(ch))) return null;
  const bits = new Bits();
  for (const segment of segments(text)) (segment.numeric ? pushNumeric : pushAlphanumeric)(bits, segment.text);
  if (bits.values.length > CAPACITY_BITS) return null;
  // Terminator (up to four zero bits), zeros to the byte, then the pad codewords in turn.
  bits.push(0, Math.min(4, CAPACITY_BITS - bits.values.length));
  bits.push(0, (8 - (bits.values.length % 8)) % 8);
  const codewords: number[] = [];
  for (let i = 0; i < bits.values.length; i += 8) codewords.push(bits.values.slice(i, i + 8).reduce((byte, bit) => (byte << 1) | bit, 0));
  for (let pad = 0; codewords.length < DATA_CODEWORDS; pad++) codewords.push(pad % 2 === 0 ? 0xec : 0x11);
  return codewords;
}

// Reed–Solomon over GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
function gfMultiply(x: number, y: number): number {
  let product = 0;
  for (let i = 7; i >= 0; i--) {
    product = (product << 1) ^ ((product >>> 7) * 0x11d);
    product ^= ((y >>> i) & 1) * x;
  }
  return product;
}

/** The generator polynomial's coefficients (highest first, the leading 1 left out). */
const EC_DIVISOR = (() => {
  const divisor = new Array<number>(EC_CODEWORDS).fill(0);
  divisor[EC_CODEWORDS - 1] = 1;
  let root = 1;
  for (let i = 0; i < EC_CODEWORDS; i++) {
    for (let j = 0; j < EC_CODEWORDS; j++) {
      divisor[j] = gfMultiply(divisor[j] ?? 0, root) ^ (divisor[j + 1] ?? 0);
    }
    root = gfMultiply(root, 0x02);
  }
  return divisor;
})();

function ecCodewords(data: readonly number[]): number[] {
  const remainder = new Array<number>(EC_CODEWORDS).fill(0);
  for (const byte of data) {
    const factor = byte ^ (remainder.shift() ?? 0);
    remainder.push(0);
    EC_DIVISOR.forEach((coefficient, i) => {
      remainder[i] = (remainder[i] ?? 0) ^ gfMultiply(coefficient, factor);
    });
  }
  return remainder;
}

// The standard's eight mask patterns, numbered as the format information numbers them.
const MASKS: ReadonlyArray<(row: number, column: number) => boolean> = [
  (r, c) => (r + c) % 2 === 0,
  (r) => r % 2 === 0,
  (_, c) => c % 3 === 0,
  (r, c) => (r + c) % 3 === 0,
  (r, c) => (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0,
  (r, c) => ((r * c) % 2) + ((r * c) % 3) === 0,
  (r, c) => (((r * c) % 2) + ((r * c) % 3)) % 2 === 0,
  (r, c) => (((r + c) % 2) + ((r * c) % 3)) % 2 === 0,
];

/** A symbol's modules row by row (1: dark), with which of them are function patterns (never masked). */
interface Grid {
  dark: Uint8Array;
  fixed: Uint8Array;
}

const at = (row: number, column: number) => row * SIZE + column;

/** Where the format information's 15 bits go, least significant first, each bit at two places. */
function formatPositions(): Array<[number, number]> {
  const positions: Array<[number, number]> = [];
  for (let i = 0; i <= 5; i++) positions.push([i, 8]);
  positions.push([7, 8], [8, 8], [8, 7]);
  for (let i = 9; i < 15; i++) positions.push([8, 14 - i]);
  for (let i = 0; i < 8; i++) positions.push([8, SIZE - 1 - i]);
  for (let i = 8; i < 15; i++) positions.push([SIZE - 15 + i, 8]);
  return positions;
}

const FORMAT_POSITIONS = formatPositions();
const DARK_MODULE = at(SIZE - 8, 8);

/**
 * Finder patterns with their separators and timing patterns; the format information's modules
 * dark and the dark module light, as the masks are scored (both are written after).
 */
const FUNCTION_PATTERNS: Grid = (() => {
  const grid: Grid = { dark: new Uint8Array(SIZE * SIZE), fixed: new Uint8Array(SIZE * SIZE) };
  const set = (row: number, column: number, dark: boolean) => {
    grid.dark[at(row, column)] = dark ? 1 : 0;
    grid.fixed[at(row, column)] = 1;
  };
  for (let i = 0; i < SIZE; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  for (const [centreRow, centreColumn] of [
    [3, 3],
    [3, SIZE - 4],
    [SIZE - 4, 3],
  ] as const) {
    for (let dr = -4; dr <= 4; dr++) {
      for (let dc = -4; dc <= 4; dc++) {
        const row = centreRow + dr;
        const column = centreColumn + dc;
        const ring = Math.max(Math.abs(dr), Math.abs(dc));
        if (row >= 0 && row < SIZE && column >= 0 && column < SIZE) set(row, column, ring !== 2 && ring !== 4);
      }
    }
  }
  for (const [row, column] of FORMAT_POSITIONS) set(row, column, true);
  set(SIZE - 8, 8, false);
  return grid;
})();

function formatBits(mask: number): number {
  const data = (LEVEL_H_BITS << 3) | mask;
  let remainder = data;
  for (let i = 0; i < 10; i++) remainder = (remainder << 1) ^ ((remainder >>> 9) * 0x537);
  return ((data << 10) | remainder) ^ 0x5412;
}

/** The codewords laid in the standard's zigzag, two columns at a time from the bottom right. */
function placed(codewords: readonly number[]): Uint8Array {
  const dark = FUNCTION_PATTERNS.dark.slice();
  let bit = 0;
  for (let right = SIZE - 1; right >= 1; right -= 2) {
    // The vertical timing pattern's column is skipped.
    if (right === 6) right = 5;
    const upward = ((right + 1) & 2) === 0;
    for (let step = 0; step < SIZE; step++) {
      const row = upward ? SIZE - 1 - step : step;
      for (const column of [right, right - 1]) {
        if (FUNCTION_PATTERNS.fixed[at(row, column)] || bit >= codewords.length * 8) continue;
        dark[at(row, column)] = ((codewords[bit >>> 3] ?? 0) >>> (7 - (bit & 7))) & 1;
        bit++;
      }
    }
  }
  return dark;
}

/** For each mask, the modules it inverts: 1 where its pattern holds outside the function patterns. */
const MASK_LAYERS = MASKS.map((pattern) => FUNCTION_PATTERNS.fixed.map((fixed, i) => (!fixed && pattern(Math.floor(i / SIZE), i % SIZE) ? 1 : 0)));

function masked(unmasked: Uint8Array, mask: number): Uint8Array {
  const layer = MASK_LAYERS[mask]!;
  const dark = new Uint8Array(unmasked.length);
  for (let i = 0; i < dark.length; i++) dark[i] = unmasked[i]! ^ layer[i]!;
  return dark;
}

/** The chosen symbol with its format information and dark module written. */
function finished(symbol: Uint8Array, mask: number): Uint8Array {
  const dark = symbol.slice();
  const bits = formatBits(mask);
  FORMAT_POSITIONS.forEach(([row, column], i) => {
    dark[at(row, column)] = (bits >>> i % 15) & 1;
  });
  dark[DARK_MODULE] = 1;
  return dark;
}

// The standard's penalty rules, scored as BWIPP scores them: on the masked symbol before its format
// information is written (those modules count as dark, the dark module as light); the mask with
// the lowest score is chosen, the first of equal ones.
const PENALTY_RUN = 3;
const PENALTY_BLOCK = 3;
const PENALTY_FINDER_LIKE = 40;
const PENALTY_BALANCE = 10;

/**
 * Runs of one colour of 5 or more, and dark-light-dark-light-dark runs in the ratio 1:1:3:1:1
 * with at least 4 light modules (or the edge of the symbol) before or after, in one line: the
 * modules `first`, `first + step`, … of the symbol.
 */
function linePenalty(dark: Uint8Array, first: number, step: number): number {
  // Run lengths, light first (0 when the line starts dark): odd indexes are dark runs.
  const runs = [0];
  let colour = 0;
  for (let i = 0, at = first; i < SIZE; i++, at += step) {
    if (dark[at] === colour) runs[runs.length - 1]!++;
    else {
      runs.push(1);
      colour ^= 1;
    }
  }
  let penalty = 0;
  for (const run of runs) if (run >= 5) penalty += PENALTY_RUN + run - 5;
  for (let centre = 3; centre <= runs.length - 3; centre += 2) {
    const unit = runs[centre]! / 3;
    if (runs[centre - 2] !== unit || runs[centre - 1] !== unit || runs[centre + 1] !== unit || runs[centre + 2] !== unit) continue;
    const atEdge = centre === 3 || centre + 4 >= runs.length;
    if (atEdge || runs[centre - 3]! >= 4 || runs[centre + 3]! >= 4) penalty += PENALTY_FINDER_LIKE;
  }
  return penalty;
}

function penalty(dark: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < SIZE; i++) total += linePenalty(dark, i * SIZE, 1) + linePenalty(dark, i, SIZE);
  let darkCount = 0;
  for (let i = 0; i < dark.length; i++) {
    const d = dark[i]!;
    darkCount += d;
    // A 2 × 2 block of one colour, with this module at its top left.
    if (i % SIZE !== SIZE - 1 && i < dark.length - SIZE && d === dark[i + 1] && d === dark[i + SIZE] && d === dark[i + SIZE + 1]) total += PENALTY_BLOCK;
  }
  return total + PENALTY_BALANCE * Math.floor(Math.abs((darkCount * 100) / (SIZE * SIZE) - 50) / 5);
}

/**
 * The version 1, level H symbol of `text` (the level BWIPP raises a pickup code to), with the
 * mask the penalty rules choose or the given one (0–7); null when the text is not digits and
 * capital letters (with the standard's few alphanumeric signs) that fit the symbol.
 */
export function qrVersion1(text: string, mask?: number): QrModules | null {
  const data = dataCodewords(text);
  if (!data) return null;
  const unmasked = placed([...data, ...ecCodewords(data)]);
  let chosen = mask ?? 0;
  if (mask === undefined) {
    let lowest = Infinity;
    MASKS.forEach((_, m) => {
      const score = penalty(masked(unmasked, m));
      if (score < lowest) [lowest, chosen] = [score, m];
    });
  }
  const dark = finished(masked(unmasked, chosen), chosen);
  return { size: SIZE, dark: (row, column) => dark[at(row, column)] === 1 };
}
