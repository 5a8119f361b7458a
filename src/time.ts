// Time, one unit per quantity. OTLP times are exact nanoseconds since the epoch, kept as decimal
// strings (`Nanos`: they exceed 2^53). Milliseconds are `Ms`, made only here, from exact
// nanoseconds; a duration is the exact difference of two `Nanos`, converted once. The server, the
// extension and the UI all convert through these two functions, so they cannot disagree.
import type { Nanos } from './protocol';

/** Milliseconds (since the epoch, or of a duration), made from exact nanoseconds by this module. */
export type Ms = number & { readonly __ms: true };

// Exact nanoseconds as whole milliseconds (MS) and the nanoseconds beyond them (NS): both exact
// integers (whole milliseconds up to 2^64 ns are below 2^53). Read digit by digit into two
// module-level results: slicing and Number() made two strings and an array per call, 3x slower,
// and the store converts every span's times at ingest.
let MS = 0, NS = 0;
function split(n: string): void {
  const k = n.length - 6;
  let ms = 0, ns = 0, i = 0;
  for (; i < k; i++) ms = ms * 10 + (n.charCodeAt(i) - 48);
  for (; i < n.length; i++) ns = ns * 10 + (n.charCodeAt(i) - 48);
  MS = ms; NS = ns;
}

/** A time in milliseconds since the epoch (precise to well under a microsecond). */
export function msOfNanos(n: Nanos | string): Ms {
  split(n);
  return (MS + NS / 1e6) as Ms;
}

/** `end - start` in milliseconds: the exact nanosecond difference, rounded once. */
export function durationMs(start: Nanos | string, end: Nanos | string): Ms {
  split(start);
  const a = MS, x = NS;
  split(end);
  const b = MS, y = NS;
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
