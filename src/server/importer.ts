// `agent-lens import`: OTLP files (one JSON request, JSON lines as the Collector's file exporter
// writes them, or a protobuf Export*ServiceRequest) go to the running server, or, when none runs,
// straight into the data directory for the next start.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeBody, type Format } from '../otlp/decode';
import { scanKeys } from '../genai/normalize';
import type { Signal } from '../otlp/responses';
import { SegmentLog, RecordFormat, RecordType } from '../store/segments';
import { readState, defaultDataDir } from '../stateFile';

export interface ImportRequest {
  signal: Signal;
  format: Format;
  body: Buffer;
}

function signalOfJson(o: unknown): Signal | undefined {
  if (!o || typeof o !== 'object') return undefined;
  const k = o as Record<string, unknown>;
  if ('resourceSpans' in k || 'resource_spans' in k) return 'traces';
  if ('resourceLogs' in k || 'resource_logs' in k) return 'logs';
  if ('resourceMetrics' in k || 'resource_metrics' in k) return 'metrics';
  return undefined;
}

/** Splits a file into the OTLP requests it holds. Throws with the file and line for what it cannot read. */
export function readOtlpFile(file: string): ImportRequest[] {
  let buf = fs.readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const name = path.basename(file);
  const first = buf.toString('utf8', 0, Math.min(buf.length, 64)).trimStart()[0];
  if (first === '{' || first === '[') {
    const text = buf.toString('utf8');
    const out: ImportRequest[] = [];
    const push = (o: unknown, where: string) => {
      const signal = signalOfJson(o);
      if (!signal) throw new Error(`${name}${where}: not an OTLP request (no resourceSpans, resourceLogs or resourceMetrics)`);
      out.push({ signal, format: 'json', body: Buffer.from(JSON.stringify(o)) });
    };
    let whole: unknown;
    try { whole = JSON.parse(text); } catch { whole = undefined; }
    if (whole !== undefined) {
      if (Array.isArray(whole)) whole.forEach((o, i) => push(o, ` item ${i}`));
      else push(whole, '');
      return out;
    }
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let o: unknown;
      try { o = JSON.parse(line); } catch (e) { throw new Error(`${name} line ${i + 1}: invalid JSON: ${(e as Error).message}`); }
      push(o, ` line ${i + 1}`);
    });
    return out;
  }
  // Protobuf carries no type: a message is taken as the first signal it decodes as with content.
  for (const signal of ['traces', 'logs', 'metrics'] as Signal[]) {
    try {
      const d = decodeBody(signal, 'proto', buf, scanKeys);
      const n = d.signal === 'traces' ? d.data.spans.length : d.signal === 'logs' ? d.data.logs.length : d.data.dataPoints;
      if (n > 0) return [{ signal, format: 'proto', body: buf }];
    } catch { /* try the next signal */ }
  }
  throw new Error(`${name}: not an OTLP JSON or protobuf export request`);
}

export interface ImportResult {
  spans: number;
  logs: number;
  errors: string[];
  where: string;
}

export async function importFiles(files: string[], opts: { dataDir?: string | undefined } = {}): Promise<ImportResult> {
  const result: ImportResult = { spans: 0, logs: 0, errors: [], where: '' };
  const state = opts.dataDir ? undefined : readState();
  let segs: SegmentLog | undefined;
  if (state) result.where = `into the running server (pid ${state.pid})`;
  else {
    const dir = opts.dataDir ?? defaultDataDir();
    segs = new SegmentLog({ dir: path.join(dir, 'segments'), segmentBytes: 64 << 20, maxTotalBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER, fsyncMs: 10, warn: () => {} });
    result.where = `into ${dir} (no server is running; it shows at the next start)`;
  }
  for (const file of files) {
    let reqs: ImportRequest[];
    try { reqs = readOtlpFile(file); } catch (e) { result.errors.push((e as Error).message); continue; }
    for (const r of reqs) {
      try {
        const d = decodeBody(r.signal, r.format, r.body, scanKeys);
        if (d.signal === 'traces') result.spans += d.data.spans.length;
        if (d.signal === 'logs') result.logs += d.data.logs.length;
        if (state) {
          const host = state.host === '0.0.0.0' ? '127.0.0.1' : state.host.includes(':') ? `[${state.host}]` : state.host;
          const res = await fetch(`http://${host}:${state.httpPort}/v1/${r.signal}`, {
            method: 'POST', body: new Uint8Array(r.body),
            headers: { 'Content-Type': r.format === 'proto' ? 'application/x-protobuf' : 'application/json' },
          });
          if (!res.ok) throw new Error(`the server refused it: ${res.status} ${await res.text()}`);
        } else if (r.signal !== 'metrics') {
          segs!.append(r.signal === 'traces' ? RecordType.Traces : RecordType.Logs, r.format === 'proto' ? RecordFormat.Proto : RecordFormat.Json, r.body);
        }
      } catch (e) {
        result.errors.push(`${path.basename(file)}: ${(e as Error).message}`);
      }
    }
  }
  segs?.close();
  return result;
}
