// The query API under /api (token and Origin already checked): runs, one run, deletion, status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IntervalHistogram } from 'node:perf_hooks';
import type { Ingest } from './ingest';
import type { LiveFeed } from './liveFeed';
import { spanResponse, spansResponse, toolLinksReady, traceJson, treeJson } from '../store/views';
import { creepRuleOf } from '../analysis/creep';
import { handleInsights } from './insightsApi';
import { handleModelRequest, handleReplay } from './replayApi';
import { rerunPlan } from './rerunApi';
import { DIFF_PAGE, DIFF_PAGE_MAX, diffRuns } from './diffApi';
import { parseFeedback, type FeedbackStore } from './feedback';
import { writeStream } from './jsonStream';
import { namedRollups, siteRollups } from '../analysis/sites';
import { msOfNanos } from '../time';
import { historyProgress } from '../format';
import { matchingSpans } from '../store/search';
import { SERVER_VERSION } from './version';
import { PROTOCOL_VERSION, SPANS_PER_REQUEST, type TraceListResponse, type UiMethod, type UiMethods } from '../protocol';
import { OtlpRequestError } from '../otlp/decode';
import type { DamageReport, SegmentLog } from '../store/segments';
import type { TraceEntry } from '../store/traceEntry';

function json(res: ServerResponse, status: number, body: unknown): void {
  // Encoded before the head is sent, so a value that cannot be encoded still gets a 500 that says so.
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(text);
}

/**
 * A 200 answer to an API method: its body must be what the route table (protocol/ui.ts, which the
 * page, the extension and the webview relay call through) says the method returns, so a change on
 * either side is a type error on the other. (A run's tree and whole JSON are streamed as text.)
 */
function answer<M extends UiMethod>(res: ServerResponse, _method: M, body: UiMethods[M]['result']): void {
  json(res, 200, body);
}

const TRACE_RE = /^\/api\/traces\/([0-9a-fA-F]{32})(\/tree|\/summary|\/search|\/rerun|\/spans|\/spans\/([0-9a-fA-F]{16})(\/request)?)?$/;

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

/**
 * The event loop's delay since the last report (then the count starts again): how long requests
 * waited behind work the server did on it. Percentiles in milliseconds, at a 10 ms resolution.
 */
function loopDelayReport(h: IntervalHistogram | undefined): { p50: number; p99: number; max: number } | null {
  if (!h || h.count === 0) return null;
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const out = { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
  h.reset();
  return out;
}

/** What the data directory's loading found, for /api/status. */
export interface DiskState { damaged: DamageReport[]; damagedBytes: number }

export interface ApiContext {
  ingest: Ingest;
  live: LiveFeed;
  feedback: FeedbackStore;
  /** Settles when the history has loaded. */
  historyLoaded: Promise<void>;
  disk: DiskState;
  segs: SegmentLog | undefined;
  /** The event loop's delay, reported by /api/status since its last report. */
  loopDelay?: IntervalHistogram;
}

/** How long a request for a run waits for the history to load before it answers "not yet" (503). */
export const HISTORY_WAIT_MS = 5000;

export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): Promise<void> {
  try {
    await route(req, res, url, ctx);
  } catch (e) {
    // A write the disk refused (feedback, a deletion): nothing was kept; the client may try again.
    if (e instanceof OtlpRequestError && e.status === 503) {
      if (!res.headersSent) res.setHeader('Retry-After', '5');
      return json(res, 503, { error: e.message });
    }
    throw e;
  }
}

/**
 * A run by id. While the history loads, a run not loaded yet is waited for (up to HISTORY_WAIT_MS),
 * then "not yet" (503 with Retry-After), never "no such run": a client cannot tell those apart.
 */
async function findRun(ctx: ApiContext, id: string, res: ServerResponse): Promise<TraceEntry | undefined> {
  const have = () => { const e = ctx.ingest.store.get(id); return e && e.summary.spanCount > 0 ? e : undefined; };
  let e = have();
  if (e || !ctx.live.history.loading) {
    if (!e) json(res, 404, { error: `no trace ${id}` });
    return e;
  }
  await Promise.race([ctx.historyLoaded, new Promise((r) => setTimeout(r, HISTORY_WAIT_MS))]);
  e = have();
  if (e) return e;
  if (ctx.live.history.loading) {
    const h = ctx.live.history;
    res.setHeader('Retry-After', '2');
    json(res, 503, { error: `${historyProgress(h)}: run ${id} may not be loaded yet; try again`, loading: true });
  } else json(res, 404, { error: `no trace ${id}` });
  return undefined;
}

async function route(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): Promise<void> {
  const { ingest, live, feedback } = ctx;
  const p = url.pathname;
  const store = ingest.store;
  // Any route about one run (its tree, spans, orphans, stitched view, feedback): while the history
  // loads, a run not loaded yet is waited for or "not yet", never "no such run".
  const about = /^\/api\/traces\/([0-9a-fA-F]{32})\//.exec(p);
  if (about && req.method === 'GET' && live.history.loading && !store.get(about[1]!.toLowerCase())) {
    if (!await findRun(ctx, about[1]!.toLowerCase(), res)) return;
  }
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
    return answer(res, 'sendFeedback', { feedback: r.ok });
  }
  const fm = /^\/api\/traces\/([0-9a-fA-F]{32})\/feedback$/.exec(p);
  if (fm && req.method === 'GET') {
    const id = fm[1]!.toLowerCase();
    // Feedback goes with its run: none is served for a run the store does not hold.
    if (!store.get(id)) return json(res, 404, { error: `no trace ${id}` });
    const limitRaw = url.searchParams.get('limit');
    const limit = limitRaw ? Number(limitRaw) : 100;
    if (!Number.isInteger(limit) || limit < 1) return json(res, 400, { error: 'limit must be a positive integer' });
    return answer(res, 'getFeedback', { feedback: feedback.of(id, Math.min(limit, 1000)), total: feedback.total(id) });
  }
  if (p === '/api/traces' && req.method === 'GET') {
    const limitRaw = url.searchParams.get('limit');
    const limit = limitRaw ? Number(limitRaw) : 100;
    if (!Number.isInteger(limit) || limit < 1) return json(res, 400, { error: 'limit must be a positive integer' });
    const out: TraceListResponse = await store.listAsync({ service: url.searchParams.get('service') ?? undefined, q: url.searchParams.get('q') ?? undefined, limit: Math.min(limit, 10_000) });
    if (live.history.loading) out.partial = true;
    return answer(res, 'listTraces', out);
  }
  if (p === '/api/traces' && req.method === 'DELETE') {
    ingest.clear();
    return answer(res, 'clearTraces', { cleared: true });
  }
  const m = TRACE_RE.exec(p);
  if (m) {
    const id = m[1]!.toLowerCase();
    const sub = m[2];
    if (req.method === 'GET') {
      const e = await findRun(ctx, id, res);
      if (!e) return;
      if (sub === '/tree') {
        return url.searchParams.get('stream') === 'ndjson'
          ? writeStream(res, 'application/x-ndjson', treeJson(e, 'ndjson'))
          : writeStream(res, 'application/json', treeJson(e, 'json'));
      }
      if (sub === '/summary') return answer(res, 'getSummary', { summary: e.summary });
      if (sub === '/rerun') {
        const from = url.searchParams.get('from')?.toLowerCase() || undefined;
        if (from !== undefined && !/^[0-9a-f]{16}$/.test(from)) return json(res, 400, { error: 'from must be a span id (16 hexadecimal digits)' });
        await toolLinksReady(e);
        const plan = await rerunPlan(e, from, url.searchParams.get('all') === '1');
        return 'error' in plan ? json(res, plan.status, { error: plan.error }) : answer(res, 'getRerunPlan', plan);
      }
      if (sub === '/search') {
        const q = (url.searchParams.get('q') ?? '').toLowerCase();
        if (!q) return json(res, 400, { error: 'q is required' });
        return answer(res, 'searchTrace', { spanIds: await matchingSpans(e, q) });
      }
      if (sub === '/spans') {
        const ids = (url.searchParams.get('ids') ?? '').split(',').filter((x) => x !== '');
        if (!ids.length || ids.length > SPANS_PER_REQUEST || ids.some((x) => !/^[0-9a-fA-F]{16}$/.test(x))) {
          return json(res, 400, { error: `ids must be 1 to ${SPANS_PER_REQUEST} span ids (16 hexadecimal digits each), separated by commas` });
        }
        await toolLinksReady(e);
        return answer(res, 'getSpans', spansResponse(e, ids.map((x) => x.toLowerCase())));
      }
      if (m[3] && m[4]) {
        await toolLinksReady(e);
        return handleModelRequest(e, m[3].toLowerCase(), (status, body) => json(res, status, body));
      }
      if (m[3]) {
        const spanId = m[3].toLowerCase();
        await toolLinksReady(e);
        const out = spanResponse(e, spanId);
        return out ? answer(res, 'getSpan', out) : json(res, 404, { error: `no span ${spanId} in trace ${id}` });
      }
      await toolLinksReady(e);
      return writeStream(res, 'application/json', traceJson(e));
    }
    if (req.method === 'DELETE' && !sub) {
      return ingest.deleteTrace(id) ? answer(res, 'deleteTrace', { deleted: id }) : json(res, 404, { error: `no trace ${id}` });
    }
  }
  if (p === '/api/replay' && req.method === 'POST') {
    let body: unknown;
    try { body = await readJson(req, 16 * 1024 * 1024); } catch (e) { return json(res, (e as { status?: number }).status ?? 400, { error: (e as Error).message }); }
    return handleReplay(body, ingest, (status, out) => json(res, status, out));
  }
  if (p === '/api/diff' && req.method === 'GET') {
    const ids = ['a', 'b'].map((k) => (url.searchParams.get(k) ?? '').toLowerCase());
    if (ids.some((x) => !/^[0-9a-f]{32}$/.test(x))) return json(res, 400, { error: 'a and b must be trace ids (32 hexadecimal digits)' });
    const page = ['offset', 'limit'].map((k) => url.searchParams.get(k));
    const [offset, limit] = page.map((v, i) => (v === null ? (i === 0 ? 0 : DIFF_PAGE) : Number(v)));
    if (!Number.isSafeInteger(offset) || offset! < 0) return json(res, 400, { error: 'offset must be a whole number of steps, 0 or more' });
    if (!Number.isSafeInteger(limit) || limit! < 1 || limit! > DIFF_PAGE_MAX) return json(res, 400, { error: `limit must be a whole number of steps from 1 to ${DIFF_PAGE_MAX}` });
    const ea = await findRun(ctx, ids[0]!, res);
    if (!ea) return;
    const eb = await findRun(ctx, ids[1]!, res);
    if (!eb) return;
    return answer(res, 'diffRuns', await diffRuns(ea, eb, offset, limit));
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
    if (url.searchParams.get('by') === 'name') return answer(res, 'getSites', { sites: namedRollups(runs) });
    const creep = creepRuleOf((k) => url.searchParams.get(k));
    if ('error' in creep) return json(res, 400, { error: creep.error });
    return answer(res, 'getSites', { sites: siteRollups(runs, { file: url.searchParams.get('file') ?? undefined, creep }) });
  }
  if (p === '/api/metrics' && req.method === 'GET') return answer(res, 'getMetrics', { points: ingest.metrics });
  if (p === '/api/status' && req.method === 'GET') {
    const h = live.history;
    return answer(res, 'getStatus', {
      version: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION, pid: process.pid,
      state: h.loading ? 'loading' : 'ready',
      traces: store.traceCount, spans: store.spanCount, approxBytes: store.approxBytes, storeBudgetBytes: store.maxBytes, memory: process.memoryUsage(),
      eventLoopDelayMs: loopDelayReport(ctx.loopDelay),
      search: store.searchIndex, liveClients: live.clientCount, live: { clients: live.clientCount, queuedBytes: live.queuedBytes, closedForMemory: live.closedForMemory }, counters: ingest.counters, history: h,
      disk: ctx.segs ? {
        bytes: ctx.segs.bytesOnDisk, cap: ctx.segs.maxTotalBytes, segmentBytes: ctx.segs.segmentLimit,
        dropped: ctx.segs.drops, damaged: { count: ctx.disk.damaged.length, bytes: ctx.disk.damagedBytes, where: ctx.disk.damaged.slice(0, 100) },
        ...(ctx.segs.lastError ? { error: ctx.segs.lastError } : {}),
      } : null,
    });
  }
  json(res, 404, { error: `no API route ${req.method} ${p}` });
}
