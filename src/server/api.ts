// The query API under /api (token and Origin already checked): runs, one run, deletion, status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ingest } from './ingest';
import type { LiveFeed } from './liveFeed';
import { spanResponse, traceJson, treeJson } from '../store/views';
import { creepRuleOf } from '../analysis/creep';
import { handleInsights } from './insightsApi';
import { parseFeedback, type FeedbackStore } from './feedback';
import { writeStream } from './jsonStream';
import { namedRollups, siteRollups } from '../analysis/sites';
import { msOfNanos } from '../time';
import { matchingSpans } from '../store/search';
import { SERVER_VERSION } from './version';
import { PROTOCOL_VERSION } from '../protocol';

function json(res: ServerResponse, status: number, body: unknown): void {
  // Encoded before the head is sent, so a value that cannot be encoded still gets a 500 that says so.
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(text);
}

const TRACE_RE = /^\/api\/traces\/([0-9a-fA-F]{32})(\/tree|\/search|\/spans\/([0-9a-fA-F]{16}))?$/;

/** A small JSON body (feedback): at most `limit` bytes. */
function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) { reject(Object.assign(new Error(`the body is over ${limit} bytes`), { status: 413 })); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch (e) { reject(Object.assign(new Error(`the body is not JSON: ${(e as Error).message}`), { status: 400 })); }
    });
    req.on('error', reject);
  });
}

export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ingest: Ingest, live: LiveFeed, feedback: FeedbackStore): Promise<void> {
  const p = url.pathname;
  const store = ingest.store;
  if (p === '/api/feedback' && req.method === 'POST') {
    let body: unknown;
    try { body = await readJson(req, 64 * 1024); } catch (e) { return json(res, (e as { status?: number }).status ?? 400, { error: (e as Error).message }); }
    const source = req.headers['x-agent-lens-source'] === 'ui' ? 'ui' : 'api';
    const r = parseFeedback(body, (traceId, spanId) => {
      const e = store.get(traceId);
      if (!e || e.summary.spanCount === 0) return 'no-trace';
      return spanId && !e.spans.has(spanId) ? 'no-span' : 'ok';
    }, source, Date.now(), (id) => feedback.find(String((body as { traceId?: unknown }).traceId ?? '').toLowerCase(), id));
    if ('error' in r) return json(res, r.status, { error: r.error });
    feedback.add(r.ok);
    const e = store.get(r.ok.traceId)!;
    e.summary.feedback = feedback.counts(e.traceId);
    live.changed(e);
    return json(res, 200, { feedback: r.ok });
  }
  const fm = /^\/api\/traces\/([0-9a-fA-F]{32})\/feedback$/.exec(p);
  if (fm && req.method === 'GET') return json(res, 200, { feedback: feedback.of(fm[1]!.toLowerCase()) });
  if (p === '/api/traces' && req.method === 'GET') {
    const limitRaw = url.searchParams.get('limit');
    const limit = limitRaw ? Number(limitRaw) : 100;
    if (!Number.isInteger(limit) || limit < 1) return json(res, 400, { error: 'limit must be a positive integer' });
    const out = await store.listAsync({ service: url.searchParams.get('service') ?? undefined, q: url.searchParams.get('q') ?? undefined, limit: Math.min(limit, 10_000) });
    return json(res, 200, out);
  }
  if (p === '/api/traces' && req.method === 'DELETE') {
    ingest.clear();
    return json(res, 200, { cleared: true });
  }
  const m = TRACE_RE.exec(p);
  if (m) {
    const id = m[1]!.toLowerCase();
    const sub = m[2];
    if (req.method === 'GET') {
      const e = store.get(id);
      if (!e || e.summary.spanCount === 0) return json(res, 404, { error: `no trace ${id}` });
      if (sub === '/tree') {
        return url.searchParams.get('stream') === 'ndjson'
          ? writeStream(res, 'application/x-ndjson', treeJson(e, 'ndjson'))
          : writeStream(res, 'application/json', treeJson(e, 'json'));
      }
      if (sub === '/search') {
        const q = (url.searchParams.get('q') ?? '').toLowerCase();
        if (!q) return json(res, 400, { error: 'q is required' });
        return json(res, 200, { spanIds: matchingSpans(e, q) });
      }
      if (m[3]) {
        const spanId = m[3].toLowerCase();
        const out = spanResponse(e, spanId);
        return out ? json(res, 200, out) : json(res, 404, { error: `no span ${spanId} in trace ${id}` });
      }
      return writeStream(res, 'application/json', traceJson(e));
    }
    if (req.method === 'DELETE' && !sub) {
      return ingest.deleteTrace(id) ? json(res, 200, { deleted: id }) : json(res, 404, { error: `no trace ${id}` });
    }
  }
  if (handleInsights(req, url, store, (status, body) => json(res, status, body))) return;
  if (p === '/api/sites' && req.method === 'GET') {
    // Runs that started at or after `since` (epoch ms), or all the store holds.
    const sinceRaw = url.searchParams.get('since');
    const since = sinceRaw ? Number(sinceRaw) : 0;
    if (!Number.isFinite(since) || since < 0) return json(res, 400, { error: 'since must be epoch milliseconds' });
    const runs = [...store.entries()].filter((e) => e.summary.spanCount > 0 && msOfNanos(e.summary.startTimeUnixNano) >= since)
      .map((e) => ({ summary: e.summary, spans: e.spans.values(), countsUsage: (id: string) => e.countsUsage(id), isModelCall: (id: string) => e.isModelCall(id) }));
    // by=name: per tool and agent name, for the lenses over their definitions.
    if (url.searchParams.get('by') === 'name') return json(res, 200, { sites: namedRollups(runs) });
    const creep = creepRuleOf((k) => url.searchParams.get(k));
    if ('error' in creep) return json(res, 400, { error: creep.error });
    return json(res, 200, { sites: siteRollups(runs, { file: url.searchParams.get('file') ?? undefined, creep }) });
  }
  if (p === '/api/metrics' && req.method === 'GET') return json(res, 200, { points: ingest.metrics });
  if (p === '/api/status' && req.method === 'GET') {
    return json(res, 200, {
      version: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION, pid: process.pid,
      traces: store.traceCount, spans: store.spanCount, approxBytes: store.approxBytes, storeBudgetBytes: store.maxBytes, memory: process.memoryUsage(),
      liveClients: live.clientCount, counters: ingest.counters, history: live.history,
    });
  }
  json(res, 404, { error: `no API route ${req.method} ${p}` });
}
