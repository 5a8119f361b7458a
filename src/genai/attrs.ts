// Reading attribute values by key, and typed getters over OTLP AnyValues.
import type { AnyValue, KeyValue } from '../protocol';
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

  constructor(readonly kvs: readonly KeyValue[], track = false) {
    if (kvs.length > 16) {
      this.map = new Map();
      for (let i = 0; i < kvs.length; i++) this.map.set(kvs[i]!.key, kvs[i]!.value);
    }
    if (track) this.touched = new Set();
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
  for (let i = 0; i < keys.length; i++) {
    const n = getNum(a, keys[i]!);
    if (n !== undefined) return n;
  }
  return undefined;
}

export function firstStr(a: Attrs, keys: readonly string[]): string | undefined {
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

/** An AnyValue as plain JavaScript (kvlists become objects, int64 stays a string past 2^53). */
export function toJs(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : v.intValue;
  }
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return v.arrayValue.values.map(toJs);
  if ('kvlistValue' in v) {
    const o: Record<string, unknown> = {};
    for (const kv of v.kvlistValue.values) o[kv.key] = toJs(kv.value);
    return o;
  }
  if ('bytesValue' in v) return v.bytesValue;
  return undefined;
}

/** Attributes as a plain object (for event and log attributes, which are few). */
export function kvObject(kvs: readonly KeyValue[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const kv of kvs) o[kv.key] = toJs(kv.value);
  return o;
}
