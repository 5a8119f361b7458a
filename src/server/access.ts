// Who may talk to the server. Every route: a Host header that names this machine while the server
// listens on loopback (against DNS rebinding). OTLP: browser pages only from loopback dev servers,
// VS Code webviews and origins the user listed (so a page on the web cannot write runs). The API
// and the live feed: the server's token, and the server's own page or an allowed Origin.
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export interface AccessOptions {
  token: string;
  /** Origins allowed besides loopback dev servers and VS Code webviews (setting, --cors-origin). */
  allowedOrigins: string[];
  loopbackOnly: boolean;
}

export function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return url.searchParams.get('token') ?? undefined;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The hostname a Host header names ("[::1]:4318" → "[::1]"), lowercased. */
function hostnameOf(host: string): string {
  return host.replace(/:\d*$/, '').toLowerCase();
}

/** Why a request's Host is refused, or '' (checked on every route). */
export function hostDenyReason(req: IncomingMessage, opts: AccessOptions): string {
  if (!opts.loopbackOnly) return '';
  const host = hostnameOf(req.headers.host ?? '');
  return LOOPBACK_HOSTS.has(host) ? '' : `Host "${host}" is not this machine (the server listens on loopback only; see --host)`;
}

function loopbackOrigin(origin: string): URL | undefined {
  try {
    const o = new URL(origin);
    return (o.protocol === 'http:' || o.protocol === 'https:') && LOOPBACK_HOSTS.has(o.hostname) ? o : undefined;
  } catch { return undefined; }
}

/**
 * Whether a browser page of this Origin may send OTLP: loopback dev servers (any port), VS Code
 * webviews and listed origins. `Origin: null` (sandboxed frames, file pages) is foreign.
 */
export function otlpOriginAllowed(origin: string, opts: AccessOptions): boolean {
  if (origin === 'null') return false;
  return opts.allowedOrigins.includes(origin) || origin.startsWith('vscode-webview://') || loopbackOrigin(origin) !== undefined;
}

/** Why the request may not read the API or the live feed, or '' when it may. */
export function denyReason(req: IncomingMessage, url: URL, opts: AccessOptions): string {
  const host = hostDenyReason(req, opts);
  if (host) return host;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    // The API is for this server's own page: another loopback port is a different program.
    const own = loopbackOrigin(origin)?.host === req.headers.host;
    if (!(own || opts.allowedOrigins.includes(origin) || origin.startsWith('vscode-webview://'))) return `Origin "${origin}" is not allowed`;
  }
  const t = tokenOf(req, url);
  if (!t) return 'missing token (send Authorization: Bearer <token>, or ?token=)';
  if (!sameToken(t, opts.token)) return 'wrong token';
  return '';
}
