// Time, one unit per quantity. OTLP times are exact nanoseconds since the epoch, kept as decimal
// strings (`Nanos`: they exceed 2^53). Milliseconds are `Ms`, made only here, from exact
// nanoseconds; a duration is the exact difference of two `Nanos`, converted once. The server, the
// extension and the UI all convert through these two functions, so they cannot disagree.
import type { Nanos } from './protocol';

/** Milliseconds (since the epoch, or of a duration), made from exact nanoseconds by this module. */
export type Ms = number & { readonly __ms: true };

/**
 * Exact nanoseconds as whole milliseconds and the nanoseconds beyond them: both exact integers
 * (whole milliseconds up to 2^64 ns are below 2^53).
 */
function split(n: string): [number, number] {
  const k = n.length - 6;
  return k > 0 ? [Number(n.slice(0, k)), Number(n.slice(k))] : [0, Number(n)];
}

/** A time in milliseconds since the epoch (precise to well under a microsecond). */
export function msOfNanos(n: Nanos | string): Ms {
  const [ms, ns] = split(n);
  return (ms + ns / 1e6) as Ms;
}

/** `end - start` in milliseconds: the exact nanosecond difference, rounded once. */
export function durationMs(start: Nanos | string, end: Nanos | string): Ms {
  const [a, x] = split(start);
  const [b, y] = split(end);
  const ns = (b - a) * 1e6 + (y - x);
  // Exact while under 2^53 ns (104 days); past that, whole milliseconds plus the rest.
  return (Number.isSafeInteger(ns) ? ns / 1e6 : (b - a) + (y - x) / 1e6) as Ms;
}

/** Compares exact decimal nanosecond strings (no leading zeros). */
export function cmpNanos(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** The largest time OTLP can carry (fixed64): 2^64 - 1 nanoseconds. */
export const MAX_NANOS = '18446744073709551615';
