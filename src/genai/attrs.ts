// Reading attribute values by key, and typed getters over OTLP AnyValues.
import { toJs, type AnyValue, type KeyValue } from '../protocol';
import { parseJsonText } from './json';

/**
 * Attribute lookup by key. A span normalized at ingest has a handful of attributes, and searching
 * them from the end (so that a repeated key's last value wins, as in a Map) is cheaper than
 * building a Map per span; long lists get a Map. With `track`, every key read is remembered, so
 * that the keys nobody read can be reported (the schema report).
 */
export class Attrs {
  private readonly map: Map<string, AnyValue> | undefined;
  readonly touched: Set<string> | undefined;
  /** Which listed keys (`keyList`) are present, a bit each. */
  m0 = 0; m1 = 0; m2 = 0; m3 = 0;

  constructor(readonly kvs: readonly KeyValue[], track = false) {
    if (kvs.length > 16) this.map = new Map();
    for (let i = 0; i < kvs.length; i++) {
      const kv = kvs[i]!;
      this.map?.set(kv.key, kv.value);
      const b = BITS.get(kv.key);
      if (b !== undefined) this.setBit(b);
    }
    if (track) this.touched = new Set();
  }

  private setBit(b: number): void {
    const w = 1 << (b & 31);
    switch (b >> 5) { case 0: this.m0 |= w; break; case 1: this.m1 |= w; break; case 2: this.m2 |= w; break; default: this.m3 |= w; }
  }

  /** Whether none of a list's keys is present (known only for lists made by `keyList`; false otherwise). */
  noneOf(keys: readonly string[]): boolean {
    const l = keys as KeyList;
    return l.m0 !== undefined && this.touched === undefined
      && ((this.m0 & l.m0) | (this.m1 & l.m1) | (this.m2 & l.m2) | (this.m3 & l.m3)) === 0;
  }

  get(key: string): AnyValue | undefined {
    this.touched?.add(key);
    if (this.map) return this.map.get(key);
    const kvs = this.kvs;
    for (let i = kvs.length - 1; i >= 0; i--) if (kvs[i]!.key === key) return kvs[i]!.value;
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Keys that start with `prefix`, in attribute order (each counts as read). */
  keysWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (const kv of this.kvs) {
      if (kv.key.startsWith(prefix)) {
        out.push(kv.key);
        this.touched?.add(kv.key);
      }
    }
    return out;
  }
}

// The ingest view asks some 90 keys of every span, most of them absent: looking each up among the
// span's attributes was a tenth of ingest. A key list made by `keyList` carries a bit for each of
// its keys, and Attrs the bits of the keys it has, so a list with none present costs one test.
const BITS = new Map<string, number>();
const MAX_BITS = 128;
type KeyList = readonly string[] & { readonly m0?: number; readonly m1: number; readonly m2: number; readonly m3: number };

/** A constant list of keys that `firstStr`, `firstNum` and `Attrs.noneOf` can rule out at once. */
export function keyList<T extends readonly string[]>(keys: T): T {
  const m = [0, 0, 0, 0];
  for (const k of keys) {
    let b = BITS.get(k);
    if (b === undefined) {
      if (BITS.size >= MAX_BITS) return keys; // (beyond the bits: searched key by key, as any list)
      BITS.set(k, (b = BITS.size));
    }
    m[b >> 5]! |= 1 << (b & 31);
  }
  return Object.assign(keys, { m0: m[0]!, m1: m[1]!, m2: m[2]!, m3: m[3]! });
}

export function attrMap(kvs: readonly KeyValue[], track = false): Attrs {
  return new Attrs(kvs, track);
}

export function getStr(a: Attrs, key: string): string | undefined {
  return valueStr(a.get(key));
}

function valueStr(v: AnyValue | undefined): string | undefined {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return v.intValue;
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('boolValue' in v) return String(v.boolValue);
  return undefined;
}

export function getNum(a: Attrs, key: string): number | undefined {
  const v = a.get(key);
  if (!v) return undefined;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return typeof v.doubleValue === 'number' ? v.doubleValue : undefined;
  if ('stringValue' in v) {
    const n = Number(v.stringValue);
    return v.stringValue.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** The first of several keys that is present, as a number. Key lists are constants (no rest arrays on the hot path). */
export function firstNum(a: Attrs, keys: readonly string[]): number | undefined {
  if (a.noneOf(keys)) return undefined;
  for (let i = 0; i < keys.length; i++) {
    const n = getNum(a, keys[i]!);
    if (n !== undefined) return n;
  }
  return undefined;
}

export function firstStr(a: Attrs, keys: readonly string[]): string | undefined {
  if (a.noneOf(keys)) return undefined;
  for (let i = 0; i < keys.length; i++) {
    const s = getStr(a, keys[i]!);
    if (s !== undefined && s !== '') return s;
  }
  return undefined;
}

/** A string array attribute (or a single string, or a JSON array in a string) as a list of strings. */
export function getStrList(a: Attrs, key: string): string[] | undefined {
  const v = a.get(key);
  if (!v) return undefined;
  if ('arrayValue' in v) return v.arrayValue.values.map((x) => ('stringValue' in x ? x.stringValue : JSON.stringify(toJs(x))));
  if ('stringValue' in v) {
    const s = v.stringValue;
    if (s.startsWith('[')) {
      try {
        const parsed: unknown = parseJsonText(s);
        if (Array.isArray(parsed)) return parsed.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
      } catch { /* a plain string that starts with a bracket */ }
    }
    return [s];
  }
  return undefined;
}

