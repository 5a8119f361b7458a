// A skip index for full-text search over request bodies: for each body, a Bloom filter of the
// 3-byte sequences in it (ASCII letters folded to lower case), as ClickHouse's ngrambf_v1 keeps one
// per granule. A query whose folded 3-byte sequences are not all in a body's filter is not in that
// body, so a search reads only the bodies that may hold it: a query no span has reads none.
//
// Filters are made in the background, a slice at a time, not as spans come in: when ingest has
// been quiet for IDLE_MS (and then only until it starts again), and at once for the bodies a search
// read without one. Ingest pays nothing for them, and a search reads natively (Buffer.indexOf) the
// bodies that have no filter yet. A filter's size follows what its body holds (see `folded`): for
// the agents' request bodies measured, 2-3 % of their 3-byte sequences are distinct, and the filter
// is a fraction of a percent of the body; it is at most 1/16 of it. Its bytes are the store's.

import { drive } from '../slices';
import { FOLD } from './byteQuery';

interface Filter { of: ArrayBufferLike; bits: Uint32Array; mask: number }

/** A 3-byte sequence's bit, before the filter's mask: multiplied and mixed so that the low bits spread. */
function hash3(t: number): number {
  const h = Math.imul(t, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/** How long ingest must have been quiet before filters are made on their own. */
export const IDLE_MS = 300;

const MIN_WORDS = 32, MAX_WORDS = 1 << 17;
/** Filters are folded in half while they would stay at most this full (about 1 in 4,000 for a query of 6 sequences). */
const FOLD_TO = 0.25;

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

function addTo(mem: Uint8Array, from: number, to: number, bits: Uint32Array, mask: number): void {
  let t = from >= 2 ? (FOLD[mem[from - 2]!]! << 8) | FOLD[mem[from - 1]!]! : from === 1 ? FOLD[mem[0]!]! : 0;
  for (let i = from; i < to; i++) {
    t = ((t << 8) | FOLD[mem[i]!]!) & 0xffffff;
    const h = hash3(t) & mask;
    bits[h >>> 5]! |= 1 << (h & 31);
  }
}

/**
 * Made at a bit for every 2 bytes, then folded in half (the two halves OR-ed: a bit's index is its
 * hash's low bits) while it stays at most FOLD_TO full: a body of repetitive text (most telemetry:
 * a few percent of its 3-byte sequences are distinct) keeps a small filter, one of ids and random
 * text a bigger one, each about as selective.
 */
function folded(bits: Uint32Array): Uint32Array {
  let words = bits.length;
  let set = 0;
  for (let i = 0; i < words; i++) set += popcount(bits[i]!);
  while (words > MIN_WORDS) {
    const half = words >> 1;
    let after = 0;
    for (let i = 0; i < half; i++) after += popcount(bits[i]! | bits[i + half]!);
    if (after > FOLD_TO * half * 32) break;
    for (let i = 0; i < half; i++) bits[i]! |= bits[i + half]!;
    words = half;
    set = after;
  }
  return words === bits.length ? bits : bits.slice(0, words);
}

export class NgramFilters {
  private readonly filters = new Map<number, Filter>();
  private readonly queue = new Set<number>();
  private building = false;
  /** Building because a search asked (goes on while ingest runs), not only while ingest is quiet. */
  private asked = false;
  private lastBodyAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Bytes the filters hold. */
  bytes = 0;
  /**
   * Whether the store has room for this many more bytes (the store sets it): a filter is made only
   * in room the runs leave under the memory cap. Data goes before an index of it: a store at its cap
   * has filters only for what fit, and a search reads the other bodies.
   */
  room: (bytes: number) => boolean = () => true;

  /**
   * @param memoryOf a body's memory, by its number (undefined once the body is gone)
   * @param onBytes told of every change in the filters' bytes (the table counts them)
   */
  constructor(private readonly memoryOf: (id: number) => Buffer | undefined, private readonly onBytes: (delta: number) => void) {}

  /**
   * Whether body `id` may contain a query with these sequences: false when its filter rules it out,
   * true when it may, undefined when it has no filter for its present memory (read it; one is made).
   */
  mayContain(id: number, mem: Buffer, trigrams: readonly number[]): boolean | undefined {
    const f = this.filters.get(id);
    if (!f || f.of !== mem.buffer) { this.queue.add(id); return undefined; }
    const { bits, mask } = f;
    for (let i = 0; i < trigrams.length; i++) {
      const h = hash3(trigrams[i]!) & mask;
      if ((bits[h >>> 5]! & (1 << (h & 31))) === 0) return false;
    }
    return true;
  }

  /** A new body came in: it gets its filter once ingest has been quiet for a while. */
  added(id: number): void {
    this.queue.add(id);
    this.lastBodyAt = Date.now();
    this.idleTimer ??= setTimeout(() => this.whenQuiet(), IDLE_MS).unref();
  }

  private whenQuiet(): void {
    this.idleTimer = undefined;
    const wait = this.lastBodyAt + IDLE_MS - Date.now();
    if (wait > 0) { this.idleTimer = setTimeout(() => this.whenQuiet(), wait).unref(); return; }
    this.build(false);
  }

  /** The body is gone (its runs evicted or deleted). */
  forget(id: number): void {
    const f = this.filters.get(id);
    if (f) { this.filters.delete(id); this.change(-f.bits.byteLength); }
    this.queue.delete(id);
  }

  /** Makes the filters of the bodies searches read without one, in the background. */
  buildSoon(): void {
    this.build(true);
  }

  private build(asked: boolean): void {
    if (asked) this.asked = true;
    if (this.building || !this.queue.size) return;
    this.building = true;
    void drive(this.buildSteps()).finally(() => {
      this.building = false;
      if (!this.queue.size) this.asked = false;
      else if (this.asked) this.build(true);
      else this.idleTimer ??= setTimeout(() => this.whenQuiet(), IDLE_MS).unref();
    });
  }

  /** How many bodies have a filter (for tests and /api/status). */
  get size(): number { return this.filters.size; }
  /** How many bodies wait for one. */
  get waiting(): number { return this.queue.size; }

  private *buildSteps(): Generator<void, void> {
    const CHUNK = 256 * 1024;
    while (this.queue.size) {
      // Made while ingest is quiet: a new body stops the work until it is quiet again.
      if (!this.asked && Date.now() - this.lastBodyAt < IDLE_MS) return;
      const id = this.queue.values().next().value!;
      this.queue.delete(id);
      const mem = this.memoryOf(id);
      if (!mem || this.filters.get(id)?.of === mem.buffer) continue;
      let words = MIN_WORDS;
      while (words < MAX_WORDS && words * 32 < mem.length / 2) words *= 2;
      if (!this.room(words * 4)) continue; // (made again when a search reads the body and there is room)
      const of = mem.buffer;
      const bits = new Uint32Array(words), mask = words * 32 - 1;
      for (let at = 0; at < mem.length; at += CHUNK) {
        addTo(mem, at, Math.min(mem.length, at + CHUNK), bits, mask);
        yield;
        // (The body may have gone, or been copied down, while the event loop had its turn.)
        if (this.memoryOf(id)?.buffer !== of) break;
      }
      if (this.memoryOf(id)?.buffer !== of) continue;
      const small = folded(bits);
      if (!this.room(small.byteLength)) continue;
      const f: Filter = { of, bits: small, mask: small.length * 32 - 1 };
      const old = this.filters.get(id);
      this.filters.set(id, f);
      this.change(f.bits.byteLength - (old?.bits.byteLength ?? 0));
    }
  }

  private change(delta: number): void {
    this.bytes += delta;
    this.onBytes(delta);
  }
}
