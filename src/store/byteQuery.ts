// Finding a query in stored protobuf bytes without decoding them: a span's strings are UTF-8 in
// its bytes, so an ASCII query can be matched there with ASCII letters folded to lower case. It
// reads each byte once and makes no string: decoding and lower-casing every span's text for every
// query (the text cache holds 32 M characters, a big store far more) made a search of 500,000
// spans take 3 s. A query with other characters is matched on decoded text (store/search.ts).

/** Lower case for ASCII letters, every other byte as it is. */
export const FOLD = new Uint8Array(256).map((_, i) => (i >= 65 && i <= 90 ? i + 32 : i));

// How common a byte is in telemetry text, roughly (JSON punctuation and common letters high): the
// query is looked for by its rarest byte first.
const COMMON = ' "etaoinsrhldcu:,{}[]._-0123456789mpfgywb';
function rarity(b: number): number {
  const i = COMMON.indexOf(String.fromCharCode(b));
  return i < 0 ? -1 : COMMON.length - i;
}

export class ByteQuery {
  private readonly q: Uint8Array;
  /** The position in the query of the byte looked for first, and that byte in both cases. */
  private readonly at: number;
  private readonly lower: number;
  private readonly upper: number;
  /** The query's 3-byte sequences, folded (none under 3 characters): what the bodies' skip index knows (ngramFilter.ts). */
  readonly trigrams: number[];

  /** `query` must be ASCII (see `ByteQuery.of`); it is matched case-insensitively. */
  private constructor(query: string) {
    this.q = Uint8Array.from(query, (c) => FOLD[c.charCodeAt(0)]!);
    let at = 0;
    for (let i = 1; i < this.q.length; i++) if (rarity(this.q[i]!) < rarity(this.q[at]!)) at = i;
    this.at = at;
    this.lower = this.q[at]!;
    this.upper = this.lower >= 97 && this.lower <= 122 ? this.lower - 32 : this.lower;
    const tri = new Set<number>();
    for (let i = 2; i < this.q.length; i++) tri.add((this.q[i - 2]! << 16) | (this.q[i - 1]! << 8) | this.q[i]!);
    this.trigrams = [...tri];
  }

  /** A query for the byte search, or undefined when it is empty or not ASCII. */
  static of(query: string): ByteQuery | undefined {
    return query && /^[\x20-\x7e]+$/.test(query) ? new ByteQuery(query) : undefined;
  }

  /**
   * A short piece of the query to find natively (Buffer.indexOf, many times faster than a loop in
   * JavaScript) in every case its letters can take: up to 3 bytes, the piece whose variants are
   * expected to be found least often. `at`: where the piece starts in the query.
   */
  needles(): { at: number; variants: Buffer[] } {
    const q = this.q;
    const w = Math.min(3, q.length);
    let best = { at: 0, cost: Infinity };
    for (let at = 0; at + w <= q.length; at++) {
      let letters = 0, common = 0;
      for (let k = at; k < at + w; k++) { if (q[k]! >= 97 && q[k]! <= 122) letters++; common += Math.max(0, rarity(q[k]!)); }
      // Each letter doubles the variants (a pass over the bytes each); common bytes make more false starts.
      const cost = (1 << letters) * (1 + common / (w * COMMON.length));
      if (cost < best.cost) best = { at, cost };
    }
    let variants = [Buffer.from(q.subarray(best.at, best.at + w))];
    for (let k = 0; k < w; k++) {
      const c = q[best.at + k]!;
      if (c < 97 || c > 122) continue;
      variants = variants.flatMap((v) => { const u = Buffer.from(v); u[k] = c - 32; return [v, u]; });
    }
    return { at: best.at, variants };
  }

  /** Whether the query starts at `s` in `bytes` (before `end`). */
  startsAt(bytes: Uint8Array, s: number, end: number): boolean {
    const q = this.q, n = q.length;
    if (s < 0 || s + n > end) return false;
    for (let k = 0; k < n; k++) if (FOLD[bytes[s + k]!] !== q[k]) return false;
    return true;
  }

  /** Whether bytes[start, end) contain the query. */
  in(bytes: Uint8Array, start: number, end: number): boolean {
    const at = this.at, lo = this.lower, up = this.upper;
    for (let i = start + at, last = end - this.q.length + at; i <= last; i++) {
      const b = bytes[i]!;
      if ((b === lo || b === up) && this.startsAt(bytes, i - at, end)) return true;
    }
    return false;
  }
}
