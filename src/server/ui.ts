// Serves the browser UI: one HTML page with a strict CSP and the UI bundle (dist/ui.js), which
// reads the token from the page URL and talks to /api and /ws.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

let uiDir: string | undefined;
function distFile(name: string): string {
  // The server bundle lives in dist/, beside ui.js; tests run the server from dist-test/, whose
  // UI bundle is the repository's dist/.
  uiDir ??= [__dirname, path.join(__dirname, '..', 'dist'), path.join(__dirname, '..', '..', 'dist')]
    .find((d) => fs.existsSync(path.join(d, 'ui.js'))) ?? __dirname;
  return path.join(uiDir, name);
}

function page(nonce: string, hasBundle: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self' 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agent Lens</title>
<link rel="icon" href="data:,">
${hasBundle ? `<link rel="stylesheet" href="ui.css">` : ''}
</head><body>
${hasBundle ? '' : `<style nonce="${nonce}">#app{font-family:system-ui;padding:2em}</style>`}
<div id="app">${hasBundle ? '' : 'Agent Lens trace server is running. The UI bundle is not built: run <code>npm run build</code>.'}</div>
${hasBundle ? `<script nonce="${nonce}" src="ui.js"></script>` : ''}
</body></html>`;
}

const STATIC: Record<string, string> = { '/ui.js': 'text/javascript', '/ui.css': 'text/css' };

export function serveUi(req: IncomingMessage, res: ServerResponse, url: URL): void {
  const type = STATIC[url.pathname];
  if (type) {
    fs.readFile(distFile(url.pathname.slice(1)), (err, data) => {
      if (err) { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not built\n'); return; }
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
    return;
  }
  if (url.pathname !== '/' && url.pathname !== '/index.html') {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    return;
  }
  const nonce = randomBytes(16).toString('base64');
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY',
  });
  res.end(req.method === 'HEAD' ? undefined : page(nonce, fs.existsSync(distFile('ui.js'))));
}
