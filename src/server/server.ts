// The trace server: OTLP/HTTP + API + live feed + UI on one port, OTLP/gRPC on another, the store
// and its files. The same program whether started by the extension, `npm start` or a test.
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TraceStore } from '../store/store';
import { RecordFormat, RecordType, SegmentLog } from '../store/segments';
import { runsOfRecord } from './runsOfRecord';
import { Ingest } from './ingest';
import { FEED_LIMITS, LiveFeed, type FeedLimits } from './liveFeed';
import { LiveGate } from './liveGate';
import type { HistoryState } from '../protocol';
import type { DiskState } from './api';
import { handleApi } from './api';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FeedbackStore } from './feedback';
import { denyReason, hostDenyReason, otlpOriginAllowed, type AccessOptions } from './access';
import { FailureLog, guarded, refuseUpgrade, requestUrl } from './guard';
import { serveUi } from './ui';
import { handleOtlpPost, handleOtlpPreflight, otlpSignalOf, type ReceiverLimits } from '../otlp/httpReceiver';
import { startGrpcReceiver, type GrpcReceiver } from '../otlp/grpcReceiver';
import { defaultDataDir } from '../stateFile';

import { SERVER_VERSION } from './version';
export { SERVER_VERSION };

export interface ServerOptions {
  host: string;
  httpPort: number;
  grpcPort: number;
  /** Where accepted data is written; null keeps everything in memory only. */
  dataDir: string | null;
  token: string;
  /** What the process may use (RSS); the store gets `storeBudgetBytes` of it. */
  maxMemoryBytes: number;
  maxDiskBytes: number;
  retentionMs: number;
  limits: ReceiverLimits;
  allowedOrigins: string[];
  feedLimits: FeedLimits;
  log: (msg: string) => void;
}

// Memory: `maxMemoryBytes` bounds the process (RSS), not only the stored spans. Measured with
// realistic agent runs flowing in (bench/profile-memory.ts and test/server/memoryCap.test.ts), with
// the heap growing by HEAP_GROWING_PERCENT: peak RSS ≈ 106 MB + 1.5–1.75 × the store's estimate. The
// live feed's clients get an eighth of the cap for their queues (feedBudgetBytes); the store gets
// what is left after PROCESS_BASE_MB and that, divided by GC_OVERHEAD.
export const HEAP_GROWING_PERCENT = 50;
const PROCESS_BASE_MB = 110;
const GC_OVERHEAD = 2;
export const MIN_MEMORY_MB = 128;

/** The live feed's share of a process memory cap: what all its clients' queues may hold together. */
export function feedBudgetBytes(maxMemoryBytes: number): number {
  return Math.min(64 * 1048576, maxMemoryBytes / 8);
}

/** The store's share of a process memory cap (after the process itself and the live feed's share). */
export function storeBudgetBytes(maxMemoryBytes: number): number {
  return Math.max(8 * 1048576, (maxMemoryBytes - PROCESS_BASE_MB * 1048576 - feedBudgetBytes(maxMemoryBytes)) / GC_OVERHEAD);
}

/** A client must have sent its headers within this long… */
export const HEADERS_TIMEOUT_MS = 20_000;
/** …and its whole request within this long (bodies that stall mid-way go sooner: limits.bodyIdleMs). Node checks every second, so a slow client is gone within 30 s. */
export const REQUEST_TIMEOUT_MS = 28_000;

function plain(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(message + '\n');
}

export function defaultOptions(over: Partial<ServerOptions> = {}): ServerOptions {
  return {
    host: '127.0.0.1',
    httpPort: 4318,
    grpcPort: 4317,
    dataDir: defaultDataDir(),
    token: process.env.AGENT_LENS_TOKEN || randomBytes(18).toString('base64url'),
    maxMemoryBytes: 512 * 1024 * 1024,
    maxDiskBytes: 2 * 1024 * 1024 * 1024,
    retentionMs: 7 * 24 * 3600 * 1000,
    limits: { maxBodyBytes: 32 * 1024 * 1024, maxDecompressedBytes: 128 * 1024 * 1024, bodyIdleMs: 15_000 },
    allowedOrigins: [],
    feedLimits: FEED_LIMITS,
    log: () => {},
    ...over,
  };
}

export class PortInUseError extends Error {
  constructor(readonly port: number, readonly what: string, readonly flag: string, readonly suggestion: number | undefined) {
    super(`port ${port} (${what}) is taken by another program. ` +
      (suggestion ? `Start with ${flag} ${suggestion} (free now), or ${flag} 0 for any free port.` : `Choose another with ${flag} N, or ${flag} 0 for any free port.`));
  }
}

/** The next port after `from` that can be bound on `host`, if any within a few tries. */
export async function nextFreePort(host: string, from: number): Promise<number | undefined> {
  for (let p = from + 1; p < from + 50 && p < 65536; p++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(p, host, () => s.close(() => resolve(true)));
    });
    if (ok) return p;
  }
  return undefined;
}

export interface RunningServer {
  httpPort: number;
  grpcPort: number;
  host: string;
  token: string;
  uiUrl: string;
  dataDir: string | null;
  ingest: Ingest;
  store: TraceStore;
  live: LiveFeed;
  /** Whether the data directory is still being loaded, and what it brought. */
  history: HistoryState;
  /** Settles when the history has loaded. */
  historyLoaded: Promise<void>;
  close(): Promise<void>;
}

function hostForUrl(host: string): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return h.includes(':') ? `[${h}]` : h;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const store = new TraceStore({ maxBytes: storeBudgetBytes(opts.maxMemoryBytes) });
  let ingest: Ingest | undefined;
  const segs = opts.dataDir
    ? new SegmentLog({
      dir: path.join(opts.dataDir, 'segments'), segmentBytes: 8 * 1024 * 1024, maxTotalBytes: opts.maxDiskBytes,
      maxAgeMs: opts.retentionMs, fsyncMs: 1000, warn: (m) => opts.log(`warning: ${m}`),
      runsOf: runsOfRecord,
      // Runs dropped whole with their oldest segment (disk cap, age): out of the store, their feedback too.
      onDrop: (runs) => ingest?.dropRuns(runs),
    })
    : undefined;
  ingest = new Ingest(store, segs);
  // Feedback goes into the same log as the runs it is about (synced at once: it is rare and typed by a person).
  const feedback = new FeedbackStore(segs ? (f) => { ingest!.write(RecordType.Feedback, RecordFormat.Json, Buffer.from(JSON.stringify(f)), [f.traceId]); segs.sync(); } : undefined);
  ingest.feedback = (type, payload, isGone) => feedback.replayed(type === RecordType.DeleteTrace ? 'delete' : 'feedback', payload, isGone);
  ingest.listen({ spans: () => {}, logs: () => {}, changed: () => {},
    removed: (ids) => { if (ids === 'all') feedback.clear(); else for (const id of ids) feedback.removeRun(id); } });
  try {
    const n = feedback.migrate(opts.dataDir, opts.log);
    if (n) opts.log(`moved ${n} feedback records from feedback.jsonl into the log`);
  } catch (e) { opts.log(`error: reading feedback.jsonl failed: ${(e as Error).message}`); }
  const live = new LiveFeed(SERVER_VERSION, { ...opts.feedLimits, maxTotalBufferedBytes: Math.min(opts.feedLimits.maxTotalBufferedBytes, feedBudgetBytes(opts.maxMemoryBytes)) });
  live.summaryOf = (id) => { const s = store.get(id)?.summary; return s && s.spanCount > 0 ? s : undefined; };
  // Pausing the live agent: gates connect at /live, editors attach through the feed.
  const gate = new LiveGate();
  live.gate = gate;
  gate.onChange = (state) => live.liveChanged(state);

  ingest.listen(live);
  // History loads once the receiver listens (below): apps that export meanwhile lose nothing.
  // How long the event loop was held (ms resolution): /api/status reports it, since its last report.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const history: HistoryState = { loading: !!segs, spans: 0, ms: 0, bytesRead: 0, bytesOnDisk: segs?.bytesOnDisk ?? 0 };
  const disk: DiskState = { damaged: [], damagedBytes: 0 };
  live.history = history;
  // Settles when the history has loaded (requests may ask before loading starts: made here).
  let historyDone!: () => void;
  const historyLoaded = new Promise<void>((r) => { historyDone = r; });
  const loopbackOnly = ['127.0.0.1', 'localhost', '::1'].includes(opts.host);
  const access: AccessOptions = { token: opts.token, allowedOrigins: opts.allowedOrigins, loopbackOnly };
  const accept = ingest.accept.bind(ingest);

  const failures = new FailureLog(opts.log);
  const route = (req: http.IncomingMessage, res: http.ServerResponse): void | Promise<void> => {
    const url = requestUrl(req);
    if (!url) return plain(res, 400, `cannot read the request target "${String(req.url).slice(0, 200)}"`);
    const badHost = hostDenyReason(req, access);
    if (badHost) return plain(res, 403, badHost);
    const signal = otlpSignalOf(url.pathname);
    if (signal) {
      const origin = req.headers.origin;
      if (origin !== undefined && !otlpOriginAllowed(origin, access)) {
        return plain(res, 403, `Origin "${origin}" may not send telemetry here: only loopback pages, VS Code webviews and origins ` +
          'listed with --cors-origin (setting agentLens.server.corsOrigins) may');
      }
      if (req.method === 'OPTIONS') return handleOtlpPreflight(req, res);
      if (req.method === 'POST') return handleOtlpPost(signal, req, res, opts.limits, accept);
      res.writeHead(405, { Allow: 'POST, OPTIONS', 'Content-Type': 'text/plain' }).end('use POST\n');
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      const deny = denyReason(req, url, access);
      if (deny) {
        res.writeHead(deny.startsWith('Origin') || deny.startsWith('Host') ? 403 : 401, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ error: deny }));
        return;
      }
      return handleApi(req, res, url, { ingest: ingest!, live, feedback, historyLoaded, disk, segs, loopDelay });
    }
    if (req.method === 'GET' || req.method === 'HEAD') return serveUi(req, res, url);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  };
  // Node checks the header and request timeouts every `connectionsCheckingInterval`: at its
  // default of 30 s a client dribbling headers stayed for up to a minute.
  const server = http.createServer({ connectionsCheckingInterval: 1000, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    (req, res) => guarded(res, failures, `${req.method} ${String(req.url).slice(0, 100)}`, () => route(req, res)));
  server.keepAliveTimeout = 30_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) { socket.destroy(); return; }
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const why = timeout ? `the request was not complete within ${HEADERS_TIMEOUT_MS / 1000} s (headers) or ${REQUEST_TIMEOUT_MS / 1000} s (whole request)` : 'malformed HTTP request';
    socket.end(`HTTP/1.1 ${timeout ? '408 Request Timeout' : '400 Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${why.length + 1}\r\n\r\n${why}\n`);
  });
  server.on('upgrade', (req, socket, head) => {
    try {
      const url = requestUrl(req);
      if (!url || (url.pathname !== '/ws' && url.pathname !== '/live')) return refuseUpgrade(socket, '404 Not Found', 'not found');
      const deny = denyReason(req, url, access);
      if (deny) return refuseUpgrade(socket, deny.startsWith('Origin') || deny.startsWith('Host') ? '403 Forbidden' : '401 Unauthorized', deny);
      if (url.pathname === '/live') gate.upgrade(req, socket, head); else live.upgrade(req, socket, head);
    } catch (e) {
      failures.report('upgrade', e);
      socket.destroy();
    }
  });

  const httpPort = await new Promise<number>((resolve, reject) => {
    server.once('error', async (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new PortInUseError(opts.httpPort, 'OTLP/HTTP, API and UI', '--http-port', await nextFreePort(opts.host, opts.httpPort)));
      else reject(e);
    });
    server.listen(opts.httpPort, opts.host, () => resolve((server.address() as net.AddressInfo).port));
  });
  let grpcServer: GrpcReceiver;
  try {
    grpcServer = await startGrpcReceiver(opts.host, opts.grpcPort, opts.limits.maxDecompressedBytes, accept);
  } catch (e) {
    await new Promise((r) => server.close(r));
    if (/EADDRINUSE|address already in use|No address added/i.test(String((e as Error).message))) {
      throw new PortInUseError(opts.grpcPort, 'OTLP/gRPC', '--grpc-port', await nextFreePort(opts.host, opts.grpcPort));
    }
    throw e;
  }

  // History loads once the receiver listens: apps that export meanwhile lose nothing, and the UI
  // says "loading history" until it is done (a restart with 500k spans on disk was deaf for 15 s).
  void (async () => {
    if (!segs) { historyDone(); return; }
    // After the caller has had its turn (the CLI prints its ready line first).
    await new Promise((r) => setTimeout(r, 0));
    const t0 = Date.now();
    // Clients hear how far it has got, about once a second.
    const progress = setInterval(() => live.historyProgress(), 1000);
    try {
      const r = await ingest!.replay((n) => { history.spans += n; }, (b) => { history.bytesRead = b; history.bytesOnDisk = Math.max(history.bytesOnDisk ?? 0, b); });
      if (r) {
        disk.damaged = r.damaged;
        disk.damagedBytes = r.damagedBytes;
        if (r.damaged.length) opts.log(`warning: skipped ${r.damaged.length} damaged stretch(es) of ${r.damagedBytes} bytes in the data directory (copied to segments/damaged/); every other record was loaded`);
      }
      if (r?.records) opts.log(`loaded ${history.spans} spans of history from ${r.segments} segment(s) in ${Date.now() - t0} ms`);
    } catch (e) {
      opts.log(`error: loading history failed: ${(e as Error).message}`);
    } finally {
      clearInterval(progress);
      history.ms = Date.now() - t0;
      history.loading = false;
      for (const e of store.entries()) { const c = feedback.counts(e.traceId); if (c) e.summary.feedback = c; }
      live.historyLoaded();
      historyDone();
    }
  })();

  const base = `http://${hostForUrl(opts.host)}:${httpPort}`;
  let closed = false;
  return {
    httpPort, grpcPort: grpcServer.port, host: opts.host, token: opts.token, dataDir: opts.dataDir,
    uiUrl: `${base}/?token=${encodeURIComponent(opts.token)}`,
    ingest, store, live, history, historyLoaded,
    async close() {
      if (closed) return;
      closed = true;
      live.close();
      gate.close();
      loopDelay.disable();
      server.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), grpcServer.close()]);
      segs?.close();
      // (Feedback is in the segment log.)
    },
  };
}
