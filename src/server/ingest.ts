// The pipeline every accepted request goes through, whatever brought it (HTTP, gRPC, import,
// replay of the data directory): decode → persist → store → live feed.
import { decodeBody, type Format } from '../otlp/decode';
import { scanKeys } from '../genai/normalize';
import type { Signal } from '../otlp/responses';
import type { MetricPoint } from '../otlp/records';
import { TraceStore } from '../store/store';
import { RecordFormat, RecordType, type ReplayStats, type SegmentLog } from '../store/segments';
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
  counters = { spans: 0, logs: 0, metricPoints: 0, rejected: 0, duplicates: 0, requests: 0, badRequests: 0 };
  private listeners: IngestListener[] = [];
  /** While history loads, what it adds is not announced record by record. */
  private replaying = false;

  constructor(readonly store: TraceStore, private readonly log: SegmentLog | undefined) {}

  listen(l: IngestListener): () => void {
    this.listeners.push(l);
    return () => { this.listeners = this.listeners.filter((x) => x !== l); };
  }

  /** Decodes and keeps one request body (already decompressed). Throws OtlpRequestError when malformed. */
  accept(signal: Signal, format: Format, body: Buffer, persist = true): IngestOutcome {
    this.counters.requests++;
    let decoded;
    try {
      decoded = decodeBody(signal, format, body, scanKeys);
    } catch (e) {
      this.counters.badRequests++;
      throw e;
    }
    const fmt = format === 'proto' ? RecordFormat.Proto : RecordFormat.Json;
    if (decoded.signal === 'traces') {
      const { spans, rejected, reasons } = decoded.data;
      if (persist && spans.length && this.log) this.log.append(RecordType.Traces, fmt, body);
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
      return { accepted: spans.length, rejected, message: reasons.join('; ') };
    }
    if (decoded.signal === 'logs') {
      const { logs, rejected, reasons } = decoded.data;
      if (persist && logs.length && this.log) this.log.append(RecordType.Logs, fmt, body);
      const r = this.store.addLogs(logs);
      this.counters.logs += logs.length;
      this.counters.rejected += rejected;
      if (this.announce(persist)) {
        if (r.added.size) for (const l of this.listeners) l.logs(r.added);
        if (r.evicted.length) for (const l of this.listeners) l.removed(r.evicted);
      }
      return { accepted: logs.length, rejected, message: reasons.join('; ') };
    }
    const m = decoded.data;
    this.counters.metricPoints += m.dataPoints;
    for (const p of m.points) this.metrics.push(p);
    if (this.metrics.length > MAX_METRIC_POINTS) this.metrics.splice(0, this.metrics.length - MAX_METRIC_POINTS);
    return { accepted: m.dataPoints, rejected: m.rejected, message: m.reasons.join('; ') };
  }

  /** Whether listeners hear of this request: not of history being replayed (persist = false then). */
  private announce(persist: boolean): boolean {
    return persist || !this.replaying;
  }

  deleteTrace(traceId: string): boolean {
    if (!this.store.remove(traceId)) return false;
    this.log?.append(RecordType.DeleteTrace, RecordFormat.Raw, Buffer.from(traceId, 'ascii'));
    for (const l of this.listeners) l.removed([traceId]);
    for (const e of this.store.refreshOrphans()) for (const l of this.listeners) l.changed(e);
    return true;
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
  async replay(onSpans: (n: number) => void = () => {}): Promise<ReplayStats | undefined> {
    if (!this.log) return undefined;
    this.replaying = true;
    try {
      return await this.log.replay((type, format, payload) => {
        if (type === RecordType.DeleteTrace) { this.store.remove(payload.toString('ascii')); return; }
        const signal: Signal = type === RecordType.Traces ? 'traces' : 'logs';
        const before = this.counters.spans;
        this.accept(signal, format === RecordFormat.Proto ? 'proto' : 'json', payload, false);
        if (this.counters.spans !== before) onSpans(this.counters.spans - before);
      });
    } finally {
      this.replaying = false;
    }
  }
}
