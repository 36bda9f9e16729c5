// The symbol ↔ id mapping. Ids are bytes so an encoded corpus is one Uint8Array (1 byte per symbol).

import { UserError } from '../core/errors.js';

const MAX_SIZE = 255;

export class Alphabet {
  readonly symbols: readonly string[];
  // BMP characters (all realistic alphabets) are looked up in a flat table; others in a map.
  private readonly bmp = new Int16Array(0x10000).fill(-1);
  private readonly astral = new Map<number, number>();

  constructor(symbols: readonly string[]) {
    if (symbols.length === 0 || symbols.length > MAX_SIZE) {
      throw new UserError(`an alphabet needs 1 to ${MAX_SIZE} symbols (got ${symbols.length})`);
    }
    for (const [id, s] of symbols.entries()) {
      const cps = [...s];
      if (cps.length !== 1) throw new UserError(`alphabet symbol ${id} (${JSON.stringify(s)}) is not one character`);
      const cp = s.codePointAt(0)!;
      if (this.idOfCodePoint(cp) !== -1) throw new UserError(`alphabet symbol ${JSON.stringify(s)} appears twice`);
      if (cp < 0x10000) this.bmp[cp] = id;
      else this.astral.set(cp, id);
    }
    this.symbols = Object.freeze([...symbols]);
  }

  get size(): number {
    return this.symbols.length;
  }

  /** The id of a one-character symbol, or -1 when it is not in the alphabet. */
  idOf(ch: string): number {
    if (ch.length === 0 || ch.length > 2) return -1;
    const cp = ch.codePointAt(0)!;
    if (String.fromCodePoint(cp) !== ch) return -1;
    return this.idOfCodePoint(cp);
  }

  /** Ids of every character of `str`; throws a UserError naming the first character that has none. */
  encode(str: string): Uint8Array {
    const out = new Uint8Array(str.length);
    let n = 0;
    for (let i = 0; i < str.length; i++) {
      const cp = str.codePointAt(i)!;
      const id = this.idOfCodePoint(cp);
      if (id < 0) {
        const hex = cp.toString(16).toUpperCase().padStart(4, '0');
        throw new UserError(
          `character ${JSON.stringify(String.fromCodePoint(cp))} (U+${hex}) at offset ${i} is not in the alphabet`,
        );
      }
      out[n++] = id;
      if (cp > 0xffff) i++;
    }
    // Only astral symbols make the text shorter than its UTF-16 length.
    return n === out.length ? out : out.slice(0, n);
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const sym = this.symbols[ids[i]];
      if (sym === undefined) throw new RangeError(`symbol id ${ids[i]} is outside the alphabet (size ${this.size})`);
      s += sym;
    }
    return s;
  }

  private idOfCodePoint(cp: number): number {
    return cp < 0x10000 ? this.bmp[cp] : (this.astral.get(cp) ?? -1);
  }
}
