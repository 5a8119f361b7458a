// A minimal protobuf wire reader. Hand-written rather than protobufjs because decoding straight
// into our records (hex ids, decimal nanosecond strings) skips protobufjs' intermediate message
// objects and Long values, which is what makes ingest faster than protobufjs' decode + toObject.
import { OtlpDecodeError } from './records';
import type { Nanos } from '../protocol';

export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_I32 = 5;

/** Node's Buffer slice methods without the argument checks of toString(); not in @types/node. */
interface FastSlices {
  utf8Slice(start: number, end: number): string;
  base64Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
}


export class PbReader {
  pos = 0;
  private readonly fast: FastSlices;
  constructor(
    readonly buf: Buffer,
    readonly what: string,
  ) {
    this.fast = buf as unknown as FastSlices;
  }

  fail(msg: string): never {
    throw new OtlpDecodeError(`invalid protobuf ${this.what}: ${msg} at byte ${this.pos}`);
  }

  /** The low 32 bits of a varint, as an unsigned number; consumes the whole varint. */
  varint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++]!;
    let v = b & 0x7f;
    if (b >= 0x80) {
      b = buf[pos++]!; v |= (b & 0x7f) << 7;
      if (b >= 0x80) {
        b = buf[pos++]!; v |= (b & 0x7f) << 14;
        if (b >= 0x80) {
          b = buf[pos++]!; v |= (b & 0x7f) << 21;
          if (b >= 0x80) {
            b = buf[pos++]!; v |= (b & 0x0f) << 28;
            // Up to 5 more bytes carry bits above 32 (negative int32s are sign-extended to 10 bytes).
            let n = 0;
            while (b >= 0x80) {
              if (++n > 5) { this.pos = pos; this.fail('varint longer than 10 bytes'); }
              b = buf[pos++]!;
            }
          }
        }
      }
    }
    if (pos > this.buf.length || b === undefined) { this.pos = this.buf.length; this.fail('truncated varint'); }
    this.pos = pos;
    return v >>> 0;
  }

  /** A 64-bit varint as a signed decimal string (OTLP int_value is int64). */
  varint64Signed(): string {
    const buf = this.buf;
    let lo = 0, hi = 0, shift = 0, b = 0, i = 0;
    for (; i < 10; i++) {
      if (this.pos >= buf.length) this.fail('truncated varint');
      b = buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << shift;
      else if (i === 4) { lo |= (b & 0x0f) << 28; hi = (b & 0x7f) >> 4; }
      else hi |= (b & 0x7f) << (3 + 7 * (i - 5));
      shift += 7;
      if (b < 0x80) break;
    }
    if (b >= 0x80) this.fail('varint longer than 10 bytes');
    lo >>>= 0; hi >>>= 0;
    if (hi === 0) return String(lo);
    if (hi < 0x200000) return String(hi * 4294967296 + lo);
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  /** Bounds of a length-delimited field's payload; leaves pos at its start. */
  lenEnd(): number {
    const len = this.varint32();
    const end = this.pos + len;
    if (end > this.buf.length) this.fail(`length ${len} runs past the end of the message`);
    return end;
  }

  string(): string {
    const end = this.lenEnd();
    const start = this.pos;
    this.pos = end;
    return end - start <= INTERN_MAX ? intern(this.buf, start, end, this.fast) : this.fast.utf8Slice(start, end);
  }

  /** Native hexSlice gives a flat string; concatenating per byte left a rope of ~16 cons strings per id. */
  hexId(): string {
    const end = this.lenEnd();
    const s = this.fast.hexSlice(this.pos, end);
    this.pos = end;
    return s;
  }

  base64(): string {
    const end = this.lenEnd();
    const s = this.fast.base64Slice(this.pos, end);
    this.pos = end;
    return s;
  }

  fixed32(): number {
    if (this.pos + 4 > this.buf.length) this.fail('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) this.fail('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A fixed64 nanosecond time, exact (milliseconds are made from it by src/time.ts, once). */
  nanos(): Nanos {
    if (this.pos + 8 > this.buf.length) this.fail('truncated fixed64');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return nanosToString(hi, lo);
  }

  /** A signed fixed64 (sfixed64: a metric's as_int) as a number, exact up to 2^53. */
  sfixed64Number(): number {
    if (this.pos + 8 > this.buf.length) this.fail('truncated sfixed64');
    const v = Number(this.buf.readBigInt64LE(this.pos));
    this.pos += 8;
    return v;
  }

  fixed64Number(): number {
    if (this.pos + 8 > this.buf.length) this.fail('truncated fixed64');
    const v = this.buf.readUInt32LE(this.pos) + this.buf.readUInt32LE(this.pos + 4) * 4294967296;
    this.pos += 8;
    return v;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WT_VARINT: this.varint32(); return;
      case WT_I64: this.pos += 8; break;
      case WT_LEN: this.pos = this.lenEnd(); return;
      case WT_I32: this.pos += 4; break;
      default: this.fail(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.buf.length) this.fail('truncated field');
  }

  expect(wireType: number, want: number, field: string): void {
    if (wireType !== want) this.fail(`field ${field} has wire type ${wireType}, expected ${want}`);
  }
}

// Short strings (attribute keys, operation names, models, providers) repeat in every span: looking
// them up by their bytes is faster than a native utf8Slice call, and the store then holds one copy.
const INTERN_MAX = 40;
const INTERN_SLOTS = 4096;
// ASCII strings only, compared with the bytes char by char: a copy of the bytes per miss (ids
// that never repeat miss every time) cost more than the lookups saved.
const internStr: (string | undefined)[] = new Array(INTERN_SLOTS);

function intern(buf: Buffer, start: number, end: number, fast: FastSlices): string {
  let h = 2166136261;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 16777619);
  const slot = (h >>> 0) & (INTERN_SLOTS - 1);
  const cached = internStr[slot];
  const len = end - start;
  if (cached !== undefined && cached.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) if (cached.charCodeAt(i) !== buf[start + i]) { same = false; break; }
    if (same) return cached;
  }
  const s = fast.utf8Slice(start, end);
  if (s.length === len) internStr[slot] = s; // (a string of as many chars as bytes is ASCII)
  return s;
}

// hi * 2^32 as (high, low) decimal halves split at 1e10, cached: a batch's times share `hi`
// (it changes every ~4.3 s), so the common case is two additions and a string concat, no BigInt.
let cachedHi = -1, cachedHigh = 0, cachedLow = 0;
const E10 = 10_000_000_000;

const digits = Buffer.alloc(24);
const digitsFast = digits as unknown as { latin1Slice(s: number, e: number): string };

export function nanosToString(hi: number, lo: number): Nanos {
  if (hi < 0x200000) return String(hi * 4294967296 + lo) as Nanos;
  if (hi !== cachedHi) {
    const v = BigInt(hi) << 32n;
    cachedHigh = Number(v / 10_000_000_000n);
    cachedLow = Number(v % 10_000_000_000n);
    cachedHi = hi;
  }
  let high = cachedHigh;
  let low = cachedLow + lo;
  if (low >= E10) { high += 1; low -= E10; }
  // Digits written into a scratch buffer and read back as one flat string: concatenating the
  // halves left a rope of three strings per time, about 50-90 bytes more per stored span.
  let p = 24;
  for (let i = 0; i < 10; i++) { const q = Math.floor(low / 10); digits[--p] = 48 + low - q * 10; low = q; }
  while (high > 0) { const q = Math.floor(high / 10); digits[--p] = 48 + high - q * 10; high = q; }
  return digitsFast.latin1Slice(p, 24) as Nanos;
}

/**
 * Finds which of a fixed set of keys a run of bytes spells, without making a string of the bytes:
 * the ingest decoder asks this of every attribute key and decodes only the few it wants. A
 * 4096-slot table by length and three sampled bytes, then a byte compare; most keys that are not
 * wanted stop at an empty slot.
 */
export interface KeyMatch { bytes: Buffer; key: string; presenceOnly: boolean }

export class KeyMatcher {
  private readonly slots: (KeyMatch[] | undefined)[] = new Array(4096);

  constructor(keys: readonly string[], presence: readonly string[] = []) {
    for (const [list, presenceOnly] of [[keys, false], [presence, true]] as const) {
      for (const key of list) {
        const bytes = Buffer.from(key, 'utf8');
        const h = KeyMatcher.hash(bytes, 0, bytes.length);
        (this.slots[h] ??= []).push({ bytes, key, presenceOnly });
      }
    }
  }

  private static hash(b: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (len === 0) return 0;
    return (len * 31 + b[end - 1]! * 7 + b[start + (len >> 1)]! * 131 + b[end - 2 >= start ? end - 2 : start]! * 17) & 4095;
  }

  match(b: Buffer, start: number, end: number): KeyMatch | undefined {
    const list = this.slots[KeyMatcher.hash(b, start, end)];
    if (list === undefined) return undefined;
    const len = end - start;
    outer: for (let i = 0; i < list.length; i++) {
      const c = list[i]!.bytes;
      if (c.length !== len) continue;
      for (let j = 0; j < len; j++) if (c[j] !== b[start + j]) continue outer;
      return list[i];
    }
    return undefined;
  }
}
