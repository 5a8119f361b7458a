// Append-only persistence: every accepted request body (and every deletion and feedback) is
// written, before it is acknowledged, as one framed record (framing.ts) in a segment file; the
// store is rebuilt by replaying them at start, in the background while the server already serves.
//
// Damage: a record that does not check out is skipped, the reader goes on at the next one, and the
// damaged bytes are copied to damaged/ (named by segment and offset) and counted. Old segments
// (before framing v2) still load.
//
// Caps: segments are small (min(8 MB, cap / 8)), so the disk cap holds while running; past the
// cap or the age limit the oldest segment goes, never the one being written, and with it every
// run that had records in it (the caller deletes them whole and a DeleteTrace record says so, so
// that their records in later segments do not bring back part of a run). A start with a directory
// over the cap keeps the newest records up to the cap. Every drop is logged and counted.
//
// The write goes to the OS before the response (survives kill -9); fsync runs at most every
// `fsyncMs` (the window that a power loss can lose). A write that fails (disk full, permissions, a
// folder deleted) throws StorageError and leaves the file as it was: the caller answers "retry".
import * as fs from 'node:fs';
import * as path from 'node:path';
import { frameHeader, readFrames, RecordFormat, RecordType, type Damage } from './framing';

export { RecordType, RecordFormat } from './framing';

const SEGMENT_RE = /^segment-(\d{13})-(\d{6})\.alog$/;

export interface SegmentOptions {
  dir: string;
  /** Start a new segment past this size (at most min(8 MB, maxTotalBytes / 8) is used). */
  segmentBytes: number;
  /** The disk cap: the oldest segments go past this total size… */
  maxTotalBytes: number;
  /** …and segments last written longer ago than this. */
  maxAgeMs: number;
  fsyncMs: number;
  warn: (msg: string) => void;
  /**
   * The runs a record concerns (trace ids), for the runs a dropped segment takes with it. Asked
   * for records written before this process (replay, and segments dropped at start unread).
   */
  runsOf?: (type: RecordType, format: RecordFormat, payload: Buffer) => Iterable<string>;
  /** A segment was dropped for the cap or the age: these runs had records in it. */
  onDrop?: (runs: ReadonlySet<string>, why: string) => void;
}

export interface DamageReport { file: string; offset: number; bytes: number; why: string }

export interface ReplayStats {
  records: number;
  segments: number;
  bytes: number;
  /** Damaged stretches skipped (copied to damaged/), and their bytes. */
  damaged: DamageReport[];
  damagedBytes: number;
}

export interface DropStats { segments: number; bytes: number; runs: number; last?: string }

/** A write to the data directory failed: nothing was kept; the sender should try again. */
export class StorageError extends Error {
  override name = 'StorageError';
}

interface Segment { name: string; path: string; size: number; mtimeMs: number; runs: Set<string> }

export class SegmentLog {
  private fd = -1;
  private active: Segment | undefined;
  private seq = 0;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped by clear() and close(): a replay in progress stops. */
  private generation = 0;
  /** Every segment on disk, oldest first, with the runs it holds records of (as far as known). */
  private readonly known: Segment[] = [];
  private total = 0;
  /** Runs dropped with a segment whose records later segments still hold: skipped when replayed. */
  private readonly gone = new Set<string>();
  readonly drops: DropStats = { segments: 0, bytes: 0, runs: 0 };
  /** The last write error, until a write succeeds again. */
  lastError: string | undefined;
  private readonly damagedDir: string;

  constructor(private readonly opts: SegmentOptions) {
    fs.mkdirSync(opts.dir, { recursive: true });
    this.damagedDir = path.join(opts.dir, 'damaged');
    for (const name of this.listFiles()) {
      const p = path.join(opts.dir, name);
      try {
        const st = fs.statSync(p);
        this.known.push({ name, path: p, size: st.size, mtimeMs: st.mtimeMs, runs: new Set() });
        this.total += st.size;
      } catch { /* gone meanwhile */ }
    }
  }

  /** The size a segment grows to before the next one starts. */
  get segmentLimit(): number {
    return Math.max(64 * 1024, Math.min(this.opts.segmentBytes, 8 * 1024 * 1024, Math.floor(this.opts.maxTotalBytes / 8)));
  }

  /** Bytes on disk in segments. */
  get bytesOnDisk(): number { return this.total; }
  get maxTotalBytes(): number { return this.opts.maxTotalBytes; }

  /** Segment files in the order they were written: by sequence number (a clock that steps back must not reorder them). */
  private listFiles(): string[] {
    const seqOf = (f: string) => Number(SEGMENT_RE.exec(f)![2]);
    let names: string[];
    try { names = fs.readdirSync(this.opts.dir); } catch { return []; }
    return names.filter((f) => SEGMENT_RE.test(f)).sort((a, b) => seqOf(a) - seqOf(b) || (a < b ? -1 : 1));
  }

  /**
   * Reads every record written before this call, oldest first, skipping damaged ones (copied to
   * damaged/). First, a directory over the cap or past the age limit sheds its oldest segments
   * (keeping the newest records up to the cap). It yields to the event loop every `sliceMs`, so a
   * server can serve while it loads; what is appended meanwhile goes to a new segment and is not
   * read again. It stops early when the log is cleared meanwhile. `onBytes`: progress, in bytes of
   * segments read.
   */
  async replay(onRecord: (type: RecordType, format: RecordFormat, payload: Buffer, arrivedMs: number, isGone: (traceId: string) => boolean) => Iterable<string> | void,
    sliceMs = 5, onBytes: (n: number) => void = () => {}): Promise<ReplayStats> {
    this.shedAtStart();
    const stats: ReplayStats = { records: 0, segments: 0, bytes: 0, damaged: [], damagedBytes: 0 };
    const generation = this.generation;
    let sliceStart = Date.now();
    const isGone = (id: string) => this.gone.has(id);
    const segs = this.known.filter((s) => s !== this.active);
    // The next segment is read while this one is loaded (the read runs on libuv's threads).
    const read = (i: number) => (i < segs.length ? fs.promises.readFile(segs[i]!.path) : undefined);
    let next = read(0);
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      if (this.generation !== generation) break;
      let buf: Buffer;
      try { buf = await next!; } catch (e) { this.opts.warn(`${seg.name}: could not be read: ${(e as Error).message}`); next = read(i + 1); continue; }
      next = read(i + 1);
      next?.catch(() => {}); // seen when awaited
      stats.segments++;
      stats.bytes += buf.length;
      for (const f of readFrames(buf, (d) => this.damaged(seg, buf, d, stats))) {
        try {
          // The runs it concerns, as the caller read them (records of runs dropped with an older segment it skips).
          const runs = onRecord(f.type, f.format, f.payload, f.arrivedMs, isGone);
          for (const r of runs ?? []) seg.runs.add(r);
        } catch (e) {
          this.opts.warn(`${seg.name}: a record at byte ${f.offset} could not be loaded: ${(e as Error).message}`);
        }
        stats.records++;
        if (Date.now() - sliceStart >= sliceMs) {
          onBytes(stats.bytes - buf.length + f.offset + f.length);
          await new Promise((r) => setImmediate(r));
          sliceStart = Date.now();
          if (this.generation !== generation) break;
        }
      }
      onBytes(stats.bytes);
    }
    return stats;
  }

  /** Bytes of a segment that were no good record: copied aside, counted, said. */
  private damaged(seg: Segment, buf: Buffer, d: Damage, stats: ReplayStats): void {
    stats.damaged.push({ file: seg.name, offset: d.offset, bytes: d.length, why: d.why });
    stats.damagedBytes += d.length;
    const aside = path.join(this.damagedDir, `${seg.name}@${d.offset}.bin`);
    try {
      fs.mkdirSync(this.damagedDir, { recursive: true });
      fs.writeFileSync(aside, buf.subarray(d.offset, d.offset + d.length));
    } catch (e) {
      this.opts.warn(`${seg.name}: could not copy the damaged bytes aside: ${(e as Error).message}`);
    }
    this.opts.warn(`${seg.name}: ${d.why} at byte ${d.offset}: skipped ${d.length} bytes to the next good record (kept in ${path.relative(this.opts.dir, aside)})`);
  }

  /**
   * At start: past the cap or the age limit, the oldest segments go (their runs, read from them
   * first, go whole). The newest records are kept up to the cap, trimming the oldest segment
   * that is left when it alone would pass it (an older, bigger segment, or one huge request).
   */
  private shedAtStart(): void {
    const now = Date.now();
    // The runs it drops are handed over once it is done (their DeleteTrace records start the new segment).
    this.held = new Set();
    try {
      this.shedOldest(now);
    } finally {
      const runs = this.held;
      this.held = undefined;
      if (runs.size) this.opts.onDrop?.(runs, `over the disk cap or the age limit at start`);
    }
  }

  /** Runs dropped while shedding at start, handed over when it is done. */
  private held: Set<string> | undefined;

  private shedOldest(now: number): void {
    for (let why = this.dropReason(now); why; why = this.dropReason(now)) {
      const oldest = this.known[0]!;
      // Over the cap, not old, and the rest fits: only its oldest records go.
      if (why === 'cap' && this.total - oldest.size < this.opts.maxTotalBytes) {
        this.trim(oldest, this.opts.maxTotalBytes - (this.total - oldest.size));
        break;
      }
      this.readRuns(oldest);
      this.drop(oldest, this.reasonText(why));
    }
  }

  /** Why the oldest segment must go (its age first, then the cap), or undefined when it may stay. */
  private dropReason(now: number): 'age' | 'cap' | undefined {
    const oldest = this.known[0];
    if (!oldest) return undefined;
    if (now - oldest.mtimeMs > this.opts.maxAgeMs) return 'age';
    return this.total > this.opts.maxTotalBytes ? 'cap' : undefined;
  }

  private reasonText(why: 'age' | 'cap'): string {
    return why === 'age' ? `older than ${Math.round(this.opts.maxAgeMs / 86_400_000 * 10) / 10} days` : `over the disk cap of ${mb(this.opts.maxTotalBytes)}`;
  }

  /** The runs a segment holds records of, read from its records (for a segment dropped unread). */
  private readRuns(seg: Segment): void {
    if (!this.opts.runsOf) return;
    let buf: Buffer;
    try { buf = fs.readFileSync(seg.path); } catch { return; }
    for (const f of readFrames(buf, () => {})) for (const r of safeRuns(this.opts.runsOf, f.type, f.format, f.payload)) seg.runs.add(r);
  }

  /** Keeps the newest records of a segment that fit in `keep` bytes (as a new segment in its place); the rest is dropped. */
  private trim(seg: Segment, keep: number): void {
    let buf: Buffer;
    try { buf = fs.readFileSync(seg.path); } catch { return; }
    const frames = [...readFrames(buf, () => {})];
    let from = frames.length, bytes = 0;
    while (from > 0 && bytes + frames[from - 1]!.length <= keep) bytes += frames[--from]!.length;
    const droppedRuns = new Set<string>();
    if (this.opts.runsOf) for (const f of frames.slice(0, from)) for (const r of safeRuns(this.opts.runsOf, f.type, f.format, f.payload)) droppedRuns.add(r);
    const kept = frames.slice(from);
    const tmp = `${seg.path}.trim`;
    fs.writeFileSync(tmp, Buffer.concat(kept.flatMap((f) => [frameHeader(f.type, f.format, f.payload, f.arrivedMs), f.payload])));
    fs.renameSync(tmp, seg.path);
    const size = fs.statSync(seg.path).size;
    this.total += size - seg.size;
    this.drops.bytes += seg.size - size;
    seg.size = size;
    this.dropRuns(droppedRuns, `over the disk cap of ${mb(this.opts.maxTotalBytes)} (the oldest ${from} records of ${seg.name})`);
    this.opts.warn(`disk cap ${mb(this.opts.maxTotalBytes)}: kept the newest ${kept.length} records of ${seg.name} (${mb(size)}), dropped the ${from} before them and ${droppedRuns.size} runs they held`);
  }

  /** Removes a segment file and the runs it held. */
  private drop(seg: Segment, why: string): void {
    try { fs.rmSync(seg.path, { force: true }); } catch (e) { this.opts.warn(`${seg.name}: could not be removed: ${(e as Error).message}`); return; }
    this.known.splice(this.known.indexOf(seg), 1);
    this.total -= seg.size;
    this.drops.segments++;
    this.drops.bytes += seg.size;
    this.drops.last = `${seg.name} (${mb(seg.size)}, ${why})`;
    this.opts.warn(`dropped ${seg.name} (${mb(seg.size)}, ${seg.runs.size} runs): ${why}`);
    this.dropRuns(seg.runs, why);
  }

  /** Runs dropped whole: the caller removes them; their records in later segments are skipped from now on. */
  private dropRuns(runs: ReadonlySet<string>, why: string): void {
    if (!runs.size) return;
    this.drops.runs += runs.size;
    for (const r of runs) this.gone.add(r);
    for (const s of this.known) for (const r of runs) s.runs.delete(r);
    if (this.held) for (const r of runs) this.held.add(r);
    else this.opts.onDrop?.(runs, why);
  }

  private open(): void {
    fs.mkdirSync(this.opts.dir, { recursive: true });
    const last = this.known[this.known.length - 1];
    const m = last ? SEGMENT_RE.exec(last.name) : null;
    this.seq = Math.max(this.seq, m ? Number(m[2]) : 0) + 1;
    const name = `segment-${String(Date.now()).padStart(13, '0')}-${String(this.seq).padStart(6, '0')}.alog`;
    const p = path.join(this.opts.dir, name);
    this.fd = fs.openSync(p, 'a');
    this.active = { name, path: p, size: 0, mtimeMs: Date.now(), runs: new Set() };
    this.known.push(this.active);
  }

  /**
   * Appends one record; `runs`: the runs it concerns. Throws StorageError when it could not be
   * written (the file is left as it was before it).
   */
  append(type: RecordType, format: RecordFormat, payload: Buffer, runs: Iterable<string> = []): void {
    try {
      // A segment removed under the server (its folder deleted) would take what is written to it:
      // a new one is started (the folder made again) before anything is written there.
      if (this.fd >= 0 && fs.fstatSync(this.fd).nlink === 0) {
        this.opts.warn(`${this.active!.name} was removed while it was being written; starting a new segment`);
        this.known.splice(this.known.indexOf(this.active!), 1);
        this.total -= this.active!.size;
        this.closeFd();
      }
      if (this.fd < 0 || this.active!.size >= this.segmentLimit) {
        if (this.fd >= 0) this.closeFd();
        this.open();
      }
    } catch (e) {
      this.fail(e);
    }
    const header = frameHeader(type, format, payload);
    const seg = this.active!;
    try {
      const n = fs.writevSync(this.fd, [header, payload]);
      if (n !== header.length + payload.length) throw new Error(`wrote ${n} of ${header.length + payload.length} bytes`);
    } catch (e) {
      // A partial record would be damage to read past: cut it off, and start afresh next time.
      try { fs.ftruncateSync(this.fd, seg.size); } catch { /* the next start reads past it as damage */ }
      this.closeFd();
      this.fail(e);
    }
    seg.size += header.length + payload.length;
    seg.mtimeMs = Date.now();
    this.total += header.length + payload.length;
    for (const r of runs) seg.runs.add(r);
    this.lastError = undefined;
    this.dirty = true;
    if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = undefined; this.sync(); }, this.opts.fsyncMs);
      this.timer.unref();
    }
    this.enforce();
  }

  private fail(e: unknown): never {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOSPC' ? 'the disk is full' : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied'
      : err.code === 'ENOENT' ? 'the data folder is gone' : err.code === 'EROFS' ? 'the disk is read-only' : err.message;
    this.lastError = `cannot write to ${this.opts.dir}: ${why}`;
    throw new StorageError(this.lastError);
  }

  /** While running: past the cap or the age limit, the oldest segments go (never the one being written). */
  enforce(now = Date.now()): void {
    while (this.known.length > 1 && this.known[0] !== this.active) {
      const why = this.dropReason(now);
      if (!why) break;
      this.drop(this.known[0]!, this.reasonText(why));
    }
  }

  sync(): void {
    if (this.dirty && this.fd >= 0) {
      try { fs.fsyncSync(this.fd); } catch (e) { this.lastError = `cannot sync ${this.active?.name}: ${(e as Error).message}`; }
      this.dirty = false;
    }
  }

  /** Drops everything written so far. */
  clear(): void {
    this.generation++;
    this.closeFd();
    for (const s of this.known.splice(0)) fs.rmSync(s.path, { force: true });
    this.total = 0;
    this.gone.clear();
  }

  private closeFd(): void {
    if (this.fd >= 0) {
      this.sync();
      try { fs.closeSync(this.fd); } catch { /* already gone */ }
      this.fd = -1;
    }
    this.active = undefined;
  }

  close(): void {
    this.generation++; // a replay in progress stops
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.closeFd();
  }
}

function mb(bytes: number): string {
  return bytes >= 1048576 ? `${Math.round(bytes / 104857.6) / 10} MB` : `${Math.round(bytes / 102.4) / 10} KB`;
}

function* safeRuns(runsOf: NonNullable<SegmentOptions['runsOf']>, type: RecordType, format: RecordFormat, payload: Buffer): Iterable<string> {
  try { yield* runsOf(type, format, payload); } catch { /* a record that does not decode concerns no run */ }
}
