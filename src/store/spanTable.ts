// Every stored span, as columns (see README.md): ids, times, names and the GenAI fields that
// queries and summaries touch live in typed arrays indexed by a slot number; repeated strings are
// numbers into a StringTable; a protobuf span's bytes stay in the request body they came in (kept
// once, shared by its spans, repacked when most of it is gone). No object per span is kept: a
// query gets one made from the columns (`view`), and what it makes is garbage once answered.
import type { GenAiKind, GenAiView, Resource, Scope, SpanStatus, Nanos } from '../protocol';
import type { SpanDetail, SpanRecord } from '../otlp/records';
import { Interned, StringTable } from './strings';
import { detailBytes } from './sizes';
import { msOfSeconds, splitNanos } from '../time';
import type { ByteQuery } from './byteQuery';
import { NgramFilters } from './ngramFilter';

const KINDS: GenAiKind[] = ['agent', 'llm', 'tool', 'embeddings', 'retrieval', 'workflow', 'other'];
const KIND_CODE = new Map(KINDS.map((k, i) => [k, i + 1]));

/** GenAI fields that live in columns; the rest of a view (rare, or per kind) is kept as an object. */
type ColumnFields = 'kind' | 'schema' | 'operation' | 'provider' | 'requestModel' | 'responseModel' | 'agentName' | 'conversationId' | 'toolName'
  | 'usage' | 'costUsd' | 'countsUsage';
type Extra = Omit<GenAiView, ColumnFields>;
/** The fields of an ingest-time view beside the columns (src/genai/normalize.ts, scalarView). */
export const EXTRA_KEYS: readonly (keyof Extra)[] = ['responseId', 'agentId', 'source', 'toolCallId', 'argsPreview', 'finishReasons', 'error', 'replayedFrom'];

// Flags of the GenAI view.
const F_USAGE = 1, F_COUNTS_KEY = 2, F_COUNTS = 4, F_COST_KEY = 8;

/**
 * What a slot costs beside its bytes: its columns with their growth room, its index entry, its
 * pointers and its share of the run's list (measured with runs of 7 to 600 spans: about 220).
 */
export const SLOT_BYTES = 220;

const OK: SpanStatus = Object.freeze({ code: 0, message: '' }) as SpanStatus;

/** A run, as the table tells runs apart: by a number it gives out (`owner`). */
export interface Owner { readonly ownerNo: number }

export class SpanTable {
  private cap = 0;
  private next = 0;
  private readonly freeSlots: number[] = [];
  readonly strings = new StringTable();

  private lastOwner = 0;
  // Owner, ids, times (seconds and nanoseconds: exact, and cheap both ways), name, kinds, status.
  private owner = new Int32Array(0); // 0: a free slot
  private idHi = new Uint32Array(0); private idLo = new Uint32Array(0);
  private pHi = new Uint32Array(0); private pLo = new Uint32Array(0);
  private sSec = new Float64Array(0); private sNs = new Uint32Array(0);
  private eSec = new Float64Array(0); private eNs = new Uint32Array(0);
  private name = new Int32Array(0);
  private otlpKind = new Uint8Array(0);
  private statusCode = new Uint8Array(0);
  private readonly statusMsg = new Map<number, string>();
  private readonly resources = new Interned<Resource>();
  private readonly scopes = new Interned<Scope>();
  private res = new Int32Array(0);
  private scope = new Int32Array(0);
  // Where its bytes are: a request body's memory (protobuf: its number, counted once a span, and
  // how many of its bytes live spans use), or the decoded detail (OTLP/JSON, 0 here).
  private readonly bodies = new Interned<ArrayBufferLike>();
  private readonly bodyLive: number[] = [];
  private body = new Int32Array(0);
  private readonly details = new Map<number, SpanDetail>();
  private off = new Uint32Array(0); private len = new Uint32Array(0);
  private accounted = new Uint32Array(0);
  // The GenAI view.
  private gk = new Uint8Array(0);
  private gFlags = new Uint8Array(0);
  private gStr = new Int32Array(0); // 8 string ids a slot: schema, operation, provider, models, agent, conversation, tool
  private usage = new Uint32Array(0); // 5 counts a slot
  private cost = new Float64Array(0);
  private readonly extra = new Map<number, Extra>();
  /** The store's marks on a span (which model calls count), kept beside it. */
  marks = new Uint8Array(0);

  // Span id → slot, open addressing over (idHi, idLo), the owner told apart on a hit.
  private index = new Int32Array(0);
  private indexUsed = 0;

  /** Bytes held: bodies any slot still needs, and every slot's columns and detail. */
  bytes = 0;

  get size(): number { return this.next - this.freeSlots.length; }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const u32 = (a: Uint32Array, k = 1) => { const b = new Uint32Array(cap * k); b.set(a); return b; };
    const i32 = (a: Int32Array, k = 1) => { const b = new Int32Array(cap * k); b.set(a); return b; };
    const f64 = (a: Float64Array) => { const b = new Float64Array(cap); b.set(a); return b; };
    const u8 = (a: Uint8Array) => { const b = new Uint8Array(cap); b.set(a); return b; };
    this.owner = i32(this.owner); this.res = i32(this.res); this.scope = i32(this.scope); this.body = i32(this.body);
    this.idHi = u32(this.idHi); this.idLo = u32(this.idLo); this.pHi = u32(this.pHi); this.pLo = u32(this.pLo);
    this.sSec = f64(this.sSec); this.sNs = u32(this.sNs); this.eSec = f64(this.eSec); this.eNs = u32(this.eNs);
    this.name = i32(this.name); this.otlpKind = u8(this.otlpKind); this.statusCode = u8(this.statusCode);
    this.off = u32(this.off); this.len = u32(this.len); this.accounted = u32(this.accounted);
    this.gk = u8(this.gk); this.gFlags = u8(this.gFlags); this.gStr = i32(this.gStr, 8); this.usage = u32(this.usage, 5);
    this.cost = f64(this.cost); this.marks = u8(this.marks);
    this.cap = cap;
    this.rehash(cap * 2);
  }

  // ---- the id index ----

  private static hash(hi: number, lo: number): number {
    return (Math.imul(hi ^ (lo >>> 7), 0x9e3779b1) ^ Math.imul(lo, 0x85ebca6b)) >>> 0;
  }

  private rehash(size: number): void {
    const old = this.index;
    this.index = new Int32Array(size);
    this.indexUsed = 0;
    for (let i = 0; i < old.length; i++) { const v = old[i]!; if (v > 0) this.insertIndex(v - 1); }
  }

  private insertIndex(slot: number): void {
    const mask = this.index.length - 1;
    let i = SpanTable.hash(this.idHi[slot]!, this.idLo[slot]!) & mask;
    while (this.index[i]! > 0) i = (i + 1) & mask;
    if (this.index[i] === 0) this.indexUsed++;
    this.index[i] = slot + 1;
  }

  /** The slot of a span of `owner` by its id halves, or -1. */
  find(owner: Owner, hi: number, lo: number): number {
    const idx = this.index;
    if (!idx.length) return -1;
    const mask = idx.length - 1;
    for (let i = SpanTable.hash(hi, lo) & mask; ; i = (i + 1) & mask) {
      const v = idx[i]!;
      if (v === 0) return -1;
      if (v > 0) {
        const s = v - 1;
        if (this.idLo[s] === lo && this.idHi[s] === hi && this.owner[s] === owner.ownerNo) return s;
      }
    }
  }

  private unindex(slot: number): void {
    const idx = this.index;
    const mask = idx.length - 1;
    for (let i = SpanTable.hash(this.idHi[slot]!, this.idLo[slot]!) & mask; ; i = (i + 1) & mask) {
      const v = idx[i]!;
      if (v === 0) return;
      if (v === slot + 1) { idx[i] = -1; return; }
    }
  }

  // ---- adding and removing ----

  /**
   * Stores a normalized span for `owner` (its run); returns its slot. The span's bytes are kept
   * where they are (a view of its request body), its GenAI view goes into columns.
   */
  /** A number for a new run (never given twice). */
  newOwner(): number { return ++this.lastOwner; }

  add(owner: Owner, rec: SpanRecord, genai: GenAiView | undefined): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.next >= this.cap) this.grow();
      slot = this.next++;
    }
    // Load of the index (tombstones included) past a half: made again, larger when needed.
    if ((this.indexUsed + 1) * 2 > this.index.length) this.rehash(this.index.length * (this.size * 4 > this.index.length ? 2 : 1));
    this.owner[slot] = owner.ownerNo;
    setId(rec.spanId, this.idHi, this.idLo, slot);
    if (rec.parentSpanId) setId(rec.parentSpanId, this.pHi, this.pLo, slot); else { this.pHi[slot] = 0; this.pLo[slot] = 0; }
    setNanos(rec.startTimeUnixNano, this.sSec, this.sNs, slot);
    setNanos(rec.endTimeUnixNano, this.eSec, this.eNs, slot);
    this.name[slot] = this.strings.add(rec.name);
    this.otlpKind[slot] = rec.kind;
    this.statusCode[slot] = rec.status.code;
    if (rec.status.message) this.statusMsg.set(slot, rec.status.message); // (remove() let go of a reused slot's)
    this.res[slot] = this.resources.add(rec.resource);
    this.scope[slot] = this.scopes.add(rec.scope);
    this.marks[slot] = 0;
    let held = SLOT_BYTES + rec.name.length;
    const d = rec.detail;
    if (Buffer.isBuffer(d)) {
      // The bytes stay in the memory they came in (the request body, kept whole: Ingest gives each
      // body memory of its own), found by that memory.
      const ab = d.buffer;
      const id = this.bodies.add(ab);
      if (this.bodies.refsOf(id) === 1) { this.bodyLive[id] = 0; this.bytes += ab.byteLength; this.filters.added(id); }
      this.bodyLive[id]! += d.length;
      this.body[slot] = id;
      this.off[slot] = d.byteOffset;
      this.len[slot] = d.length;
    } else {
      this.body[slot] = 0;
      this.details.set(slot, d);
      this.len[slot] = 0;
      held += detailBytes(d);
    }
    held += this.setGenai(slot, genai);
    this.accounted[slot] = held;
    this.bytes += held;
    this.insertIndex(slot);
    return slot;
  }

  private setGenai(slot: number, g: GenAiView | undefined): number {
    const st = this.strings, k = slot * 8;
    if (!g) { this.gk[slot] = 0; return 0; }
    this.gk[slot] = KIND_CODE.get(g.kind) ?? 7;
    const s = this.gStr;
    s[k] = st.add(g.schema); s[k + 1] = st.add(g.operation); s[k + 2] = st.add(g.provider); s[k + 3] = st.add(g.requestModel);
    s[k + 4] = st.add(g.responseModel); s[k + 5] = st.add(g.agentName); s[k + 6] = st.add(g.conversationId); s[k + 7] = st.add(g.toolName);
    let f = 0;
    const usage = g.usage;
    if (usage) {
      f |= F_USAGE;
      const u = this.usage, j = slot * 5;
      u[j] = usage.input; u[j + 1] = usage.output; u[j + 2] = usage.cacheRead; u[j + 3] = usage.cacheCreation; u[j + 4] = usage.reasoning;
    }
    if (g.countsUsage !== undefined) { f |= F_COUNTS_KEY; if (g.countsUsage) f |= F_COUNTS; }
    if (g.costUsd !== undefined) { f |= F_COST_KEY; this.cost[slot] = g.costUsd === null ? NaN : g.costUsd; }
    this.gFlags[slot] = f;
    // The other fields ingest sets (EXTRA_KEYS: the test of views holds the list to scalarView's)
    // are rare or few per run: one small object when there are any. Read field by field: a rest
    // destructuring and a JSON.stringify to size it cost a sixth of the span's store time.
    let extra: Extra | undefined;
    let n = 0;
    for (let i = 0; i < EXTRA_KEYS.length; i++) {
      const key = EXTRA_KEYS[i]!;
      const v = g[key];
      if (v === undefined) continue;
      (extra ??= {} as Extra)[key] = v as never;
      n += 40 + (typeof v === 'string' ? v.length : JSON.stringify(v).length);
    }
    if (extra) this.extra.set(slot, extra);
    return extra ? 64 + n : 0;
  }

  /** Frees a slot (its run is gone); bodies no slot needs any more are let go, mostly-empty ones repacked. */
  remove(slot: number): void {
    this.unindex(slot);
    const st = this.strings, k = slot * 8;
    st.release(this.name[slot]!);
    if (this.gk[slot]) for (let j = 0; j < 8; j++) st.release(this.gStr[k + j]!);
    const id = this.body[slot]!;
    if (id) {
      const ab = this.bodies.item(id)!;
      this.bodyLive[id]! -= this.len[slot]!;
      if (this.bodies.release(id)) { this.bytes -= ab.byteLength; this.bodyBytes.delete(id); this.filters.forget(id); }
    } else this.details.delete(slot);
    this.bytes -= this.accounted[slot]!;
    this.resources.release(this.res[slot]!);
    this.scopes.release(this.scope[slot]!);
    this.owner[slot] = 0; this.body[slot] = 0; this.res[slot] = 0; this.scope[slot] = 0;
    this.extra.delete(slot);
    this.statusMsg.delete(slot);
    this.freeSlots.push(slot);
  }

  /**
   * Bodies whose live spans are a small part of them (their other runs gone) are copied down to
   * those spans, so that one long-lived run does not keep whole old requests alive.
   */
  repack(): void {
    const sparse = new Set<number>();
    for (const [id, ab] of this.bodies.entries()) if (this.bodyLive[id]! * 4 <= ab.byteLength && ab.byteLength >= 64 * 1024) sparse.add(id);
    if (!sparse.size) return;
    // The slots of each: one pass over the column.
    const mine = new Map<number, number[]>();
    for (let s = 0; s < this.next; s++) {
      const id = this.body[s]!;
      if (this.owner[s] && sparse.has(id)) { const l = mine.get(id); if (l) l.push(s); else mine.set(id, [s]); }
    }
    for (const id of sparse) {
      const old = Buffer.from(this.bodies.item(id)!);
      const fresh = Buffer.allocUnsafeSlow(this.bodyLive[id]!);
      let at = 0;
      for (const s of mine.get(id) ?? []) {
        old.copy(fresh, at, this.off[s]!, this.off[s]! + this.len[s]!);
        this.off[s] = at;
        at += this.len[s]!;
      }
      this.bytes -= old.length - fresh.length;
      this.bodies.replace(id, fresh.buffer);
      this.filters.forget(id); // (made again for the new memory when a search reads it)
    }
  }

  // ---- reading ----

  spanIdOf(slot: number): string { return hexId(this.idHi[slot]!, this.idLo[slot]!); }
  parentIdOf(slot: number): string { const hi = this.pHi[slot]!, lo = this.pLo[slot]!; return hi === 0 && lo === 0 ? '' : hexId(hi, lo); }
  parentHalves(slot: number): [number, number] { return [this.pHi[slot]!, this.pLo[slot]!]; }
  nameOf(slot: number): string { return this.strings.get(this.name[slot]!); }
  startNanos(slot: number): Nanos { return nanosOf(this.sSec[slot]!, this.sNs[slot]!); }
  /** Compares two spans' starts, exactly (seconds, then nanoseconds). */
  cmpStart(a: number, b: number): number { return (this.sSec[a]! - this.sSec[b]!) || (this.sNs[a]! - this.sNs[b]!); }
  endNanos(slot: number): Nanos { return nanosOf(this.eSec[slot]!, this.eNs[slot]!); }
  statusOf(slot: number): SpanStatus {
    const code = this.statusCode[slot]!, message = this.statusMsg.get(slot) ?? '';
    return code === 0 && !message ? OK : { code, message };
  }
  statusCodeOf(slot: number): number { return this.statusCode[slot]!; }
  resourceOf(slot: number): Resource { return this.resources.item(this.res[slot]!)!; }
  genaiKind(slot: number): GenAiKind | undefined { const k = this.gk[slot]!; return k ? KINDS[k - 1] : undefined; }
  /** The bytes held for the slot (its share: its own bytes, columns and detail). */
  bytesOf(slot: number): number { return this.accounted[slot]! + this.len[slot]!; }

  /** The span's detail: its protobuf bytes (a view of its body) or its decoded detail. */
  /** Whether the span came as protobuf (its bytes are kept), not as JSON. */
  isProto(slot: number): boolean { return this.body[slot] !== 0; }

  /**
   * Whether a protobuf span's bytes contain `q` (ASCII letters folded), without making a string or
   * a view of them; undefined for a span that came as JSON (its detail is an object).
   */
  bytesContain(slot: number, q: ByteQuery): boolean | undefined {
    const id = this.body[slot]!;
    if (id === 0) return undefined;
    return q.in(this.bodyMemory(id)!, this.off[slot]!, this.off[slot]! + this.len[slot]!);
  }

  /** The bodies' skip index for full-text search, made after searches read them (ngramFilter.ts); counted in `bytes`. */
  readonly filters = new NgramFilters((id) => this.bodyMemory(id), (delta) => { this.bytes += delta; });

  /** Each body's memory as a Buffer, made once (made again when a repack moves the body). */
  private readonly bodyBytes = new Map<number, Buffer>();
  private bodyMemory(id: number): Buffer | undefined {
    const ab = this.bodies.item(id);
    if (!ab) return undefined;
    let mem = this.bodyBytes.get(id);
    if (mem?.buffer !== ab) this.bodyBytes.set(id, (mem = Buffer.from(ab)));
    return mem;
  }

  /**
   * The runs (owner numbers) with a protobuf span whose bytes contain `q`, from one pass over the
   * request bodies the spans lie in: the query's piece is found natively in each body, in every
   * case, and each find is checked whole and placed in its span (a find in bytes no span holds any
   * more counts for nothing). Yields between bodies. JSON spans, which keep no bytes, are not read.
   * Each run's number maps to the slot of the first span found in it.
   */
  *ownersContaining(q: ByteQuery): Generator<void, Map<number, number>> {
    // The bodies to read: those whose skip index does not rule the query out, or that have none yet.
    const read = new Set<number>();
    let n = 0;
    for (const [id] of this.bodies.entries()) {
      const mem = this.bodyMemory(id);
      if (mem && (q.trigrams.length === 0 || this.filters.mayContain(id, mem, q.trigrams) !== false)) read.add(id);
      if (++n % 4096 === 0) yield;
    }
    this.filters.buildSoon();
    const out = new Map<number, number>();
    if (!read.size) return out;
    // Where each such body's live spans lie, by offset.
    const spans = new Map<number, number[]>();
    for (let s = 0; s < this.next; s++) {
      const id = this.body[s]!;
      if (!this.owner[s] || !id || !read.has(id)) continue;
      let l = spans.get(id);
      if (!l) spans.set(id, (l = []));
      l.push(s);
    }
    const { at, variants } = q.needles();
    for (const [id, slots] of spans) {
      slots.sort((a, b) => this.off[a]! - this.off[b]!);
      const mem = this.bodyMemory(id);
      if (!mem) continue;
      for (const v of variants) {
        for (let i = mem.indexOf(v); i >= 0; i = mem.indexOf(v, i + 1)) {
          const start = i - at;
          // The span the find lies in: the last that starts at or before it.
          let lo = 0, hi = slots.length - 1, found = -1;
          while (lo <= hi) { const mid = (lo + hi) >> 1; if (this.off[slots[mid]!]! <= start) { found = mid; lo = mid + 1; } else hi = mid - 1; }
          if (found < 0) continue;
          const slot = slots[found]!, end = this.off[slot]! + this.len[slot]!;
          // (A slot freed and given to another span during a yield lies in another body: skipped.)
          if (this.owner[slot] && this.body[slot] === id && !out.has(this.owner[slot]!) && q.startsAt(mem, start, end)) out.set(this.owner[slot]!, slot);
        }
      }
      yield;
    }
    return out;
  }

  detailOf(slot: number): Buffer | SpanDetail {
    const id = this.body[slot]!;
    if (id === 0) return this.details.get(slot)!;
    return Buffer.from(this.bodies.item(id)!, this.off[slot]!, this.len[slot]!);
  }

  /** The span's GenAI view as ingest made it (no content), from the columns. */
  genaiOf(slot: number): GenAiView | undefined {
    const k = this.gk[slot]!;
    if (!k) return undefined;
    const st = this.strings, s = this.gStr, j = slot * 8, f = this.gFlags[slot]!;
    const g: GenAiView = { kind: KINDS[k - 1]!, schema: st.get(s[j]!) };
    const opt = (i: number) => st.opt(s[j + i]!);
    const op = opt(1); if (op !== undefined) g.operation = op;
    const prov = opt(2); if (prov !== undefined) g.provider = prov;
    const req = opt(3); if (req !== undefined) g.requestModel = req;
    const res = opt(4); if (res !== undefined) g.responseModel = res;
    const ag = opt(5); if (ag !== undefined) g.agentName = ag;
    const conv = opt(6); if (conv !== undefined) g.conversationId = conv;
    const tool = opt(7); if (tool !== undefined) g.toolName = tool;
    if (f & F_USAGE) {
      const u = this.usage, i = slot * 5;
      g.usage = { input: u[i]!, output: u[i + 1]!, cacheRead: u[i + 2]!, cacheCreation: u[i + 3]!, reasoning: u[i + 4]! };
    }
    if (f & F_COUNTS_KEY) g.countsUsage = (f & F_COUNTS) !== 0;
    if (f & F_COST_KEY) { const c = this.cost[slot]!; g.costUsd = Number.isNaN(c) ? null : c; }
    const x = this.extra.get(slot);
    return x ? Object.assign(g, x) : g;
  }

  /** The stored span as an object (what queries and views read), made from the columns. */
  /** A span made from the columns; `detail` false: without its bytes (an empty detail), for what needs only the columns. */
  view(slot: number, traceId: string, detail = true): SpanRecord {
    const start = this.startNanos(slot), end = this.endNanos(slot);
    return {
      traceId, spanId: this.spanIdOf(slot), parentSpanId: this.parentIdOf(slot), name: this.nameOf(slot), kind: this.otlpKind[slot]!,
      startTimeUnixNano: start, endTimeUnixNano: end, status: this.statusOf(slot), resource: this.resourceOf(slot), scope: this.scopes.item(this.scope[slot]!)!,
      startMs: msOfSeconds(this.sSec[slot]!, this.sNs[slot]!), endMs: msOfSeconds(this.eSec[slot]!, this.eNs[slot]!), detail: detail ? this.detailOf(slot) : NO_DETAIL, scan: null, genai: this.genaiOf(slot), bytes: this.bytesOf(slot),
    };
  }
}

/** A buffer with memory of its own (not a view of a shared pool or a bigger buffer), so that keeping it keeps only it. */
export function ownBuffer(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return b;
  const own = Buffer.allocUnsafeSlow(b.length);
  b.copy(own);
  return own;
}

// Ids are written into a scratch buffer and read back as one flat string: building them by
// concatenation made a rope of 16 strings per id, and queries make them for every span they read.
const scratch = Buffer.alloc(32);
const scratchFast = scratch as unknown as { latin1Slice(s: number, e: number): string };
const HEXCODE = Buffer.from('0123456789abcdef', 'latin1');
function hexId(hi: number, lo: number): string {
  for (let i = 0; i < 8; i++) { scratch[i] = HEXCODE[(hi >>> (28 - 4 * i)) & 15]!; scratch[8 + i] = HEXCODE[(lo >>> (28 - 4 * i)) & 15]!; }
  return scratchFast.latin1Slice(0, 16);
}

// Hex digit values by char code (-1: not one). Ids are read digit by digit: slicing and parseInt
// made two strings per id, 3x slower, for every span at ingest.
const HEXVAL = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEXVAL[48 + i] = i;
for (let i = 0; i < 6; i++) { HEXVAL[97 + i] = 10 + i; HEXVAL[65 + i] = 10 + i; }

/** The 32-bit half of a 16-digit hex id that starts at `at` (0 or 8). */
const NO_DETAIL = Buffer.alloc(0);

export function hexHalf(hex: string, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i++) v = (v << 4) | HEXVAL[hex.charCodeAt(i) & 127]!;
  return v >>> 0;
}

function setId(hex: string, hi: Uint32Array, lo: Uint32Array, slot: number): void {
  hi[slot] = hexHalf(hex, 0);
  lo[slot] = hexHalf(hex, 8);
}

const parts = { hi: 0, lo: 0 };
function setNanos(n: string, sec: Float64Array, ns: Uint32Array, slot: number): void {
  splitNanos(n, 9, parts);
  sec[slot] = parts.hi; ns[slot] = parts.lo;
}

function nanosOf(sec: number, ns: number): Nanos {
  // (Native number formatting and one concatenation measured twice as fast as digits by hand.)
  return (sec === 0 ? String(ns) : String(sec) + String(ns + 1e9).slice(1)) as Nanos;
}

