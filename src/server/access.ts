// Who may read the API and the live feed: the server's token, an allowed Origin, and (against DNS
// rebinding) a Host header that names this machine when the server listens on loopback.
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export interface AccessOptions {
  token: string;
  /** Extra origins allowed besides this server's own and VS Code webviews. */
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

/** Why the request may not read the API, or '' when it may. */
export function denyReason(req: IncomingMessage, url: URL, opts: AccessOptions): string {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (opts.loopbackOnly && !LOOPBACK_HOSTS.has(host)) return `Host "${host}" is not this machine`;
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    let ok = opts.allowedOrigins.includes(origin) || origin.startsWith('vscode-webview://');
    if (!ok) {
      try {
        const o = new URL(origin);
        ok = LOOPBACK_HOSTS.has(o.hostname) && o.host === req.headers.host;
      } catch { ok = false; }
    }
    if (!ok) return `Origin "${origin}" is not allowed`;
  }
  const t = tokenOf(req, url);
  if (!t) return 'missing token (send Authorization: Bearer <token>, or ?token=)';
  if (!sameToken(t, opts.token)) return 'wrong token';
  return '';
}
