// How a stored record is framed, so that damage costs only the records it touches (LevelDB's log,
// SQLite's WAL frames): a sync marker, the record's type, format and length, its arrival time and
// a CRC-32C over all of that and the payload. A reader that meets a bad record (a flipped byte, a
// torn write, a zeroed page) looks for the next marker and goes on from there; the bytes in between
// are reported (and kept aside by the caller), never cut away silently.
//
//   v2: marker "\xa1l^-ALR2" (8) | type u8 | format u8 | 0 u16 | length u32 | arrival ms f64 | crc32c u32 | payload
//
// Segments written before v2 (magic "AL", a CRC-32 and no sync marker) still load: their reader
// resynchronizes on the next "AL" whose record checks out.
import { crc32 } from 'node:zlib';
import { crc32c } from './crc32c';

export const enum RecordType { Traces = 1, Logs = 2, DeleteTrace = 3, Feedback = 4 }
export const enum RecordFormat { Proto = 1, Json = 2, Raw = 3 }

export const MARK = Buffer.from([0xa1, 0x6c, 0x5e, 0x2d, 0x41, 0x4c, 0x52, 0x32]);
export const HEADER = 28;
const V1_HEADER = 20;

/** The header of a v2 record, for a payload of `length` bytes (written before the payload). */
export function frameHeader(type: RecordType, format: RecordFormat, payload: Uint8Array, arrivedMs = Date.now()): Buffer {
  const h = Buffer.allocUnsafe(HEADER);
  MARK.copy(h, 0);
  h[8] = type; h[9] = format; h.writeUInt16LE(0, 10);
  h.writeUInt32LE(payload.length, 12);
  h.writeDoubleLE(arrivedMs, 16);
  h.writeUInt32LE(crc32c(payload, crc32c(h, 0, 8, 24)), 24);
  return h;
}

export interface Frame { type: RecordType; format: RecordFormat; payload: Buffer; arrivedMs: number; offset: number; length: number }
/** Bytes that were not a good record: where they start and how many. */
export interface Damage { offset: number; length: number; why: string }

/** Whether a file's bytes are framed v2 (they start with the marker) or the older format. */
export function isV2(buf: Buffer): boolean {
  return buf.length >= MARK.length && buf.subarray(0, MARK.length).equals(MARK);
}

/** The v2 record at `pos`, or why there is none. */
function frameAt(buf: Buffer, pos: number): Frame | string {
  if (buf.length - pos < HEADER) return 'a torn record header';
  if (buf.compare(MARK, 0, MARK.length, pos, pos + MARK.length) !== 0) return 'no record marker';
  const len = buf.readUInt32LE(pos + 12);
  if (pos + HEADER + len > buf.length) return 'a record that runs past the end of the file';
  const payload = buf.subarray(pos + HEADER, pos + HEADER + len);
  if (crc32c(payload, crc32c(buf, 0, pos + 8, pos + 24)) !== buf.readUInt32LE(pos + 24)) return 'a record whose checksum does not match';
  return { type: buf[pos + 8] as RecordType, format: buf[pos + 9] as RecordFormat, payload, arrivedMs: buf.readDoubleLE(pos + 16), offset: pos, length: HEADER + len };
}

/** The older record at `pos` (magic "AL", CRC-32), or why there is none. */
function v1FrameAt(buf: Buffer, pos: number): Frame | string {
  if (buf.length - pos < V1_HEADER) return 'a torn record header';
  if (buf[pos] !== 0x41 || buf[pos + 1] !== 0x4c) return 'no record marker';
  const len = buf.readUInt32LE(pos + 4);
  if (pos + V1_HEADER + len > buf.length) return 'a record that runs past the end of the file';
  const payload = buf.subarray(pos + V1_HEADER, pos + V1_HEADER + len);
  if (crc32(payload, crc32(buf.subarray(pos + 2, pos + 4))) !== buf.readUInt32LE(pos + 8)) return 'a record whose checksum does not match';
  return { type: buf[pos + 2] as RecordType, format: buf[pos + 3] as RecordFormat, payload, arrivedMs: buf.readDoubleLE(pos + 12), offset: pos, length: V1_HEADER + len };
}

/** Where the next record may start after damage at `pos`: the next marker (v2), or the next "AL" whose record checks out (v1). */
function resync(buf: Buffer, pos: number, v2: boolean): number {
  if (v2) {
    const next = buf.indexOf(MARK, pos + 1);
    return next < 0 ? buf.length : next;
  }
  for (let p = buf.indexOf(0x41, pos + 1); p >= 0; p = buf.indexOf(0x41, p + 1)) {
    if (buf[p + 1] === 0x4c && typeof v1FrameAt(buf, p) !== 'string') return p;
  }
  return buf.length;
}

/**
 * Every good record of a file's bytes, in order, and the stretches of damage between them. A
 * damaged stretch ends where the next good record starts (or at the end of the file).
 */
export function* readFrames(buf: Buffer, damage: (d: Damage) => void): Generator<Frame> {
  const v2 = isV2(buf) || buf.length === 0;
  const at = v2 ? frameAt : v1FrameAt;
  let pos = 0;
  while (pos < buf.length) {
    const f = at(buf, pos);
    if (typeof f !== 'string') {
      yield f;
      pos += f.length;
      continue;
    }
    const next = resync(buf, pos, v2);
    damage({ offset: pos, length: next - pos, why: f });
    pos = next;
  }
}
