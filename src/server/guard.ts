// The guard around every request: a request target Node accepts but `URL` does not gets a 400,
// and whatever a handler throws or rejects with is answered (500 with a message) and logged once,
// so no request can end the process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The request's URL, or undefined when its target cannot be read. The target is joined to a base
 * as text, not resolved against it: `new URL('//a:b', base)` reads `//a:b` as a host and throws.
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  try {
    if (target.startsWith('/')) return new URL(`http://localhost${target}`);
    // Absolute form (`GET http://host/path`), which proxies send.
    if (/^https?:\/\//i.test(target)) return new URL(target);
  } catch { /* below */ }
  return undefined;
}

/** Logs a failure once per distinct message (a request that fails 10,000 times is one line). */
export class FailureLog {
  private readonly seen = new Map<string, number>();
  constructor(private readonly log: (msg: string) => void, private readonly maxDistinct = 200) {}

  report(where: string, e: unknown): void {
    const msg = `${where}: ${e instanceof Error ? e.message : String(e)}`;
    const n = this.seen.get(msg) ?? 0;
    this.seen.set(msg, n + 1);
    if (n > 0) return;
    if (this.seen.size > this.maxDistinct) this.seen.delete(this.seen.keys().next().value!);
    const stack = e instanceof Error && e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : '';
    this.log(`error: ${msg} (later repeats are not logged)${stack}`);
  }
}

/** Answers a request whose handler failed: 500 with what happened, or a cut connection mid-response. */
export function answerFailure(res: ServerResponse, e: unknown, failures: FailureLog, where: string): void {
  failures.report(where, e);
  if (res.headersSent || res.destroyed) { res.destroy(); return; }
  const message = e instanceof Error ? e.message : String(e);
  res.writeHead(500, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Connection: 'close' });
  res.end(JSON.stringify({ error: `the server could not answer this request: ${message}` }));
}

/** Runs a handler that may throw or return a rejecting promise, answering either failure. */
export function guarded(res: ServerResponse, failures: FailureLog, where: string, run: () => void | Promise<void>): void {
  try {
    const p = run();
    if (p) p.catch((e: unknown) => answerFailure(res, e, failures, where));
  } catch (e) {
    answerFailure(res, e, failures, where);
  }
}

/** Refuses an upgrade with a status line and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: string, message: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${message}\n`);
  else socket.destroy();
}
