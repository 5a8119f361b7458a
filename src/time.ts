// Time, one unit per quantity. OTLP times are exact nanoseconds since the epoch, kept as decimal
// strings (`Nanos`: they exceed 2^53). Milliseconds are `Ms`, made only here, from exact
// nanoseconds; a duration is the exact difference of two `Nanos`, converted once. The server, the
// extension and the UI all convert through these two functions, so they cannot disagree.
import type { Nanos } from './protocol';

/** Milliseconds (since the epoch, or of a duration), made from exact nanoseconds by this module. */
export type Ms = number & { readonly __ms: true };

/**
 * The digits of exact nanoseconds `n` before its last `low` digits, and those last digits, as
 * exact integers (`low` 6: whole milliseconds and the nanoseconds beyond them; 9: seconds), into
 * `out`. Read digit by digit: slicing and Number() made two strings and an array per call, 3x
 * slower, and the store converts every span's times at ingest.
 */
export function splitNanos(n: string, low: number, out: { hi: number; lo: number }): void {
  const k = n.length - low;
  let hi = 0, lo = 0, i = 0;
  for (; i < k; i++) hi = hi * 10 + (n.charCodeAt(i) - 48);
  for (; i < n.length; i++) lo = lo * 10 + (n.charCodeAt(i) - 48);
  out.hi = hi; out.lo = lo;
}

const a = { hi: 0, lo: 0 }, b = { hi: 0, lo: 0 };

/** A time in milliseconds since the epoch (precise to well under a microsecond). */
export function msOfNanos(n: Nanos | string): Ms {
  splitNanos(n, 6, a);
  return (a.hi + a.lo / 1e6) as Ms;
}

/** The same figure from exact seconds and the nanoseconds beyond them (the store keeps times so). */
export function msOfSeconds(sec: number, ns: number): Ms {
  const whole = Math.floor(ns / 1e6);
  return (sec * 1000 + whole + (ns - whole * 1e6) / 1e6) as Ms;
}

/** `end - start` in milliseconds: the exact nanosecond difference, rounded once. */
export function durationMs(start: Nanos | string, end: Nanos | string): Ms {
  splitNanos(start, 6, a);
  splitNanos(end, 6, b);
  const ns = (b.hi - a.hi) * 1e6 + (b.lo - a.lo);
  // Exact while under 2^53 ns (104 days); past that, whole milliseconds plus the rest.
  return (Number.isSafeInteger(ns) ? ns / 1e6 : (b.hi - a.hi) + (b.lo - a.lo) / 1e6) as Ms;
}

/** Compares exact decimal nanosecond strings (no leading zeros). */
export function cmpNanos(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** The largest time OTLP can carry (fixed64): 2^64 - 1 nanoseconds. */
export const MAX_NANOS = '18446744073709551615';
