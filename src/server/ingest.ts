// The pipeline every accepted request goes through, whatever brought it (HTTP, gRPC, import,
// replay of the data directory): decode → persist → store → live feed.
import { decodeBody, type Format } from '../otlp/decode';
import { scanKeys } from '../genai/normalize';
import type { Signal } from '../otlp/responses';
import type { MetricPoint } from '../otlp/records';
import { TraceStore } from '../store/store';
import { RecordFormat, RecordType, StorageError, type ReplayStats, type SegmentLog } from '../store/segments';
import { OtlpRequestError } from '../otlp/decode';
import { ownBuffer } from '../store/spanTable';
import { runsOf } from './runsOfRecord';
import type { TraceEntry, StoredSpan } from '../store/traceEntry';
import type { LogRecordData } from '../otlp/records';

export interface IngestOutcome {
  accepted: number;
  rejected: number;
  /** For partial_success.error_message; '' when all was accepted. */
  message: string;
}

export interface IngestListener {
  spans(added: Map<TraceEntry, StoredSpan[]>): void;
  logs(added: Map<TraceEntry, LogRecordData[]>): void;
  removed(traceIds: string[] | 'all'): void;
  /** A run's summary changed without new spans or logs of its own (an orphan placed in it). */
  changed(e: TraceEntry): void;
}

const MAX_METRIC_POINTS = 10_000;

export class Ingest {
  readonly metrics: MetricPoint[] = [];
  counters = { spans: 0, logs: 0, metricPoints: 0, rejected: 0, duplicates: 0, requests: 0, badRequests: 0, storageErrors: 0 };
  private listeners: IngestListener[] = [];
  /** While history loads, what it adds is not announced record by record. */
  private replaying = false;

  constructor(readonly store: TraceStore, private readonly log: SegmentLog | undefined) {}

  listen(l: IngestListener): () => void {
    this.listeners.push(l);
    return () => { this.listeners = this.listeners.filter((x) => x !== l); };
  }

  /**
   * Decodes and keeps one request body (already decompressed). Throws OtlpRequestError when it is
   * malformed (400), or when it could not be written to the data directory (503: retry; nothing
   * was kept). `skip`: runs whose records are not to be kept (history of runs dropped with an older segment).
   */
  accept(signal: Signal, format: Format, body: Buffer, persist = true, skip?: (traceId: string) => boolean): IngestOutcome & { runs: string[] } {
    this.counters.requests++;
    // Spans keep their bytes where they are: in this body, which must not share its memory with
    // others (history's records are left in their segment file's memory: one body per file).
    if (format === 'proto' && signal === 'traces' && persist) body = ownBuffer(body);
    let decoded;
    try {
      decoded = decodeBody(signal, format, body, scanKeys);
    } catch (e) {
      this.counters.badRequests++;
      throw e;
    }
    const fmt = format === 'proto' ? RecordFormat.Proto : RecordFormat.Json;
    if (decoded.signal === 'traces') {
      const { rejected, reasons } = decoded.data;
      const spans = skip ? decoded.data.spans.filter((x) => !skip(x.traceId)) : decoded.data.spans;
      const runs = runsOf(spans);
      if (persist && spans.length && this.log) this.write(RecordType.Traces, fmt, body, runs);
      const r = this.store.addSpans(spans);
      const marked = this.store.refreshOrphans();
      this.counters.spans += spans.length - r.duplicates;
      this.counters.duplicates += r.duplicates;
      this.counters.rejected += rejected;
      if (this.announce(persist)) {
        if (r.added.size) for (const l of this.listeners) l.spans(r.added);
        if (r.evicted.length) for (const l of this.listeners) l.removed(r.evicted);
        for (const e of marked) if (!r.added.has(e)) for (const l of this.listeners) l.changed(e);
      }
      return { accepted: decoded.data.spans.length, rejected, message: reasons.join('; '), runs };
    }
    if (decoded.signal === 'logs') {
      const { rejected, reasons } = decoded.data;
      const logs = skip ? decoded.data.logs.filter((x) => !x.traceId || !skip(x.traceId)) : decoded.data.logs;
      const runs = runsOf(logs);
      if (persist && logs.length && this.log) this.write(RecordType.Logs, fmt, body, runs);
      const r = this.store.addLogs(logs);
      this.counters.logs += logs.length;
      this.counters.rejected += rejected;
      if (this.announce(persist)) {
        if (r.added.size) for (const l of this.listeners) l.logs(r.added);
        if (r.evicted.length) for (const l of this.listeners) l.removed(r.evicted);
      }
      return { accepted: decoded.data.logs.length, rejected, message: reasons.join('; '), runs };
    }
    const m = decoded.data;
    this.counters.metricPoints += m.dataPoints;
    for (const p of m.points) this.metrics.push(p);
    if (this.metrics.length > MAX_METRIC_POINTS) this.metrics.splice(0, this.metrics.length - MAX_METRIC_POINTS);
    return { accepted: m.dataPoints, rejected: m.rejected, message: m.reasons.join('; '), runs: [] };
  }

  /** Writes a record; a disk that refuses it makes the request one to retry (nothing was kept). */
  write(type: RecordType, format: RecordFormat, payload: Buffer, runs: Iterable<string>): void {
    if (!this.log) return;
    try {
      this.log.append(type, format, payload, runs);
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      this.counters.storageErrors++;
      throw new OtlpRequestError(503, `${e.message}; nothing was kept: send it again`);
    }
  }

  /** Whether listeners hear of this request: not of history being replayed (persist = false then). */
  private announce(persist: boolean): boolean {
    return persist || !this.replaying;
  }

  /** Deletes a run (the user asked); throws OtlpRequestError 503 when the deletion could not be written. */
  deleteTrace(traceId: string): boolean {
    if (!this.store.get(traceId)) return false;
    // (A deletion concerns no run that a dropped segment could take with it: the run is gone already.)
    this.write(RecordType.DeleteTrace, RecordFormat.Raw, Buffer.from(traceId, 'ascii'), []);
    this.forget([traceId]);
    return true;
  }

  /**
   * Runs dropped whole with a segment (the disk cap, the age limit): out of the store, and a
   * DeleteTrace record each, so that their records in later segments do not bring part of them back.
   */
  dropRuns(traceIds: Iterable<string>): void {
    const ids = [...traceIds];
    for (const id of ids) {
      try { this.log?.append(RecordType.DeleteTrace, RecordFormat.Raw, Buffer.from(id, 'ascii'), []); } catch { /* the next start drops them too: their segment is gone */ }
    }
    this.forget(ids.filter((id) => this.store.get(id)));
  }

  private forget(ids: string[]): void {
    for (const id of ids) this.store.remove(id);
    if (ids.length) for (const l of this.listeners) l.removed(ids);
    for (const e of this.store.refreshOrphans()) for (const l of this.listeners) l.changed(e);
  }

  clear(): void {
    this.store.clear();
    this.log?.clear();
    for (const l of this.listeners) l.removed('all');
  }

  /**
   * Rebuilds the store from the data directory in the background (the server already serves):
   * listeners hear nothing of it, record by record; they are told once when it is done.
   */
  async replay(onSpans: (n: number) => void = () => {}, onBytes: (n: number) => void = () => {}): Promise<ReplayStats | undefined> {
    if (!this.log) return undefined;
    this.replaying = true;
    try {
      return await this.log.replay((type, format, payload, _arrived, isGone) => {
        if (type === RecordType.DeleteTrace) { this.store.remove(payload.toString('ascii')); this.feedback?.(type, payload); return []; }
        if (type === RecordType.Feedback) return this.feedback?.(type, payload, isGone) ?? [];
        if (type !== RecordType.Traces && type !== RecordType.Logs) return [];
        const signal: Signal = type === RecordType.Traces ? 'traces' : 'logs';
        const before = this.counters.spans;
        const r = this.accept(signal, format === RecordFormat.Proto ? 'proto' : 'json', payload, false, isGone);
        if (this.counters.spans !== before) onSpans(this.counters.spans - before);
        return r.runs;
      }, 5, onBytes);
    } finally {
      this.replaying = false;
    }
  }

  /** Feedback records replayed from the data directory (and deletions, which take their feedback): the server's feedback store reads them. */
  feedback: ((type: RecordType, payload: Buffer, isGone?: (traceId: string) => boolean) => string[]) | undefined;
}
