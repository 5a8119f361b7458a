// Append-only persistence: every accepted request body is written, before it is acknowledged, as
// one CRC-checked record in a segment file; the store is rebuilt by replaying them at start, in
// the background while the server already serves.
// A torn last record (a crash mid-write) is cut off with a warning. Retention drops whole segments.
//
// Record: magic "AL" | type u8 | format u8 | length u32 | crc32 u32 | arrival ms f64 | payload.
// The write goes to the OS before the response (survives kill -9); fsync runs at most every
// `fsyncMs` (the window that a power loss can lose).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';

export const enum RecordType { Traces = 1, Logs = 2, DeleteTrace = 3 }
export const enum RecordFormat { Proto = 1, Json = 2, Raw = 3 }

const HEADER = 20;
const MAGIC0 = 0x41; // 'A'
const MAGIC1 = 0x4c; // 'L'
const SEGMENT_RE = /^segment-(\d{13})-(\d{6})\.alog$/;

export interface SegmentOptions {
  dir: string;
  /** Start a new segment past this size. */
  segmentBytes: number;
  /** Retention: drop the oldest segments past this total size… */
  maxTotalBytes: number;
  /** …and segments last written longer ago than this. */
  maxAgeMs: number;
  fsyncMs: number;
  warn: (msg: string) => void;
}

export interface ReplayStats {
  records: number;
  segments: number;
  bytes: number;
  tornBytes: number;
}

export class SegmentLog {
  private fd = -1;
  private activePath = '';
  private activeSize = 0;
  private seq = 0;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped by clear() and close(): a replay in progress stops. */
  private generation = 0;

  constructor(private readonly opts: SegmentOptions) {
    fs.mkdirSync(opts.dir, { recursive: true });
  }

  /** Segment files in the order they were written: by sequence number (a clock that steps back must not reorder them). */
  private segments(): string[] {
    const seqOf = (f: string) => Number(SEGMENT_RE.exec(f)![2]);
    return fs.readdirSync(this.opts.dir).filter((f) => SEGMENT_RE.test(f)).sort((a, b) => seqOf(a) - seqOf(b) || (a < b ? -1 : 1));
  }

  /**
   * Reads every record written before this call, oldest first, cutting a torn tail off the last
   * segment. It yields to the event loop every `sliceMs`, so a server can serve while it loads;
   * what is appended meanwhile goes to a new segment and is not read again. It stops early when
   * the log is cleared meanwhile.
   */
  async replay(onRecord: (type: RecordType, format: RecordFormat, payload: Buffer, arrivedMs: number) => void, sliceMs = 5): Promise<ReplayStats> {
    this.enforceRetention();
    const stats: ReplayStats = { records: 0, segments: 0, bytes: 0, tornBytes: 0 };
    const generation = this.generation;
    const names = this.segments();
    let sliceStart = Date.now();
    for (const name of names) {
      if (this.generation !== generation) break;
      const p = path.join(this.opts.dir, name);
      const isLast = name === names[names.length - 1];
      let buf: Buffer;
      try { buf = fs.readFileSync(p); } catch (e) { this.opts.warn(`${name}: could not be read: ${(e as Error).message}`); continue; }
      stats.segments++;
      stats.bytes += buf.length;
      let pos = 0;
      while (pos < buf.length) {
        const bad = (why: string) => {
          this.opts.warn(`${name}: ${why} at byte ${pos}; skipped the last ${buf.length - pos} bytes of the segment`);
          stats.tornBytes += buf.length - pos;
          // Cut a torn tail so later appends stay readable; an older segment is left as it is.
          if (isLast && p !== this.activePath) fs.truncateSync(p, pos);
        };
        if (buf.length - pos < HEADER) { bad('a torn record header'); break; }
        if (buf[pos] !== MAGIC0 || buf[pos + 1] !== MAGIC1) { bad('no record marker'); break; }
        const len = buf.readUInt32LE(pos + 4);
        if (pos + HEADER + len > buf.length) { bad('a torn record'); break; }
        const payload = buf.subarray(pos + HEADER, pos + HEADER + len);
        if (crc32(payload, crc32(buf.subarray(pos + 2, pos + 4))) !== buf.readUInt32LE(pos + 8)) { bad('a record with a bad checksum'); break; }
        try {
          onRecord(buf[pos + 2] as RecordType, buf[pos + 3] as RecordFormat, payload, buf.readDoubleLE(pos + 12));
        } catch (e) {
          this.opts.warn(`${name}: a record at byte ${pos} could not be loaded: ${(e as Error).message}`);
        }
        stats.records++;
        pos += HEADER + len;
        if (Date.now() - sliceStart >= sliceMs) {
          await new Promise((r) => setImmediate(r));
          sliceStart = Date.now();
          if (this.generation !== generation) break;
        }
      }
    }
    return stats;
  }

  private open(): void {
    const existing = this.segments();
    const last = existing[existing.length - 1];
    const m = last ? SEGMENT_RE.exec(last) : null;
    this.seq = m ? Number(m[2]) + 1 : 1;
    const name = `segment-${String(Date.now()).padStart(13, '0')}-${String(this.seq).padStart(6, '0')}.alog`;
    this.activePath = path.join(this.opts.dir, name);
    this.fd = fs.openSync(this.activePath, 'a');
    this.activeSize = 0;
  }

  append(type: RecordType, format: RecordFormat, payload: Buffer): void {
    if (this.fd < 0 || this.activeSize >= this.opts.segmentBytes) {
      if (this.fd >= 0) { fs.closeSync(this.fd); this.fd = -1; this.enforceRetention(); }
      this.open();
    }
    const header = Buffer.allocUnsafe(HEADER);
    header[0] = MAGIC0; header[1] = MAGIC1; header[2] = type; header[3] = format;
    header.writeUInt32LE(payload.length, 4);
    header.writeUInt32LE(crc32(payload, crc32(header.subarray(2, 4))), 8);
    header.writeDoubleLE(Date.now(), 12);
    fs.writevSync(this.fd, [header, payload]);
    this.activeSize += HEADER + payload.length;
    this.dirty = true;
    if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = undefined; this.sync(); }, this.opts.fsyncMs);
      this.timer.unref();
    }
  }

  sync(): void {
    if (this.dirty && this.fd >= 0) {
      fs.fsyncSync(this.fd);
      this.dirty = false;
    }
  }

  /** Removes segments past the age and size limits, oldest first; never the one being written. */
  enforceRetention(): void {
    const now = Date.now();
    const files = this.segments().map((name) => {
      const p = path.join(this.opts.dir, name);
      const st = fs.statSync(p);
      return { p, size: st.size, mtime: st.mtimeMs };
    });
    let total = files.reduce((n, f) => n + f.size, 0);
    for (const f of files) {
      if (f.p === this.activePath) continue;
      if (now - f.mtime > this.opts.maxAgeMs || total > this.opts.maxTotalBytes) {
        fs.rmSync(f.p, { force: true });
        total -= f.size;
      }
    }
  }

  /** Drops everything written so far. */
  clear(): void {
    this.generation++;
    this.closeFd();
    for (const name of this.segments()) fs.rmSync(path.join(this.opts.dir, name), { force: true });
  }

  private closeFd(): void {
    if (this.fd >= 0) {
      this.sync();
      fs.closeSync(this.fd);
      this.fd = -1;
      this.activePath = '';
    }
  }

  close(): void {
    this.generation++; // a replay in progress stops
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.closeFd();
  }
}
