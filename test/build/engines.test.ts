// What Node the project needs, from the lockfile (what npm installs), not from what we say: every
// package the product runs with (the server, the extension, the UI: the non-dev dependencies and
// theirs) supports Node 20; the ones that declare Node 22 are test-time dependencies only (the
// OpenTelemetry JS SDK 3.x, the Vercel AI SDK 7), which npm warns about on Node 20 (EBADENGINE)
// and the README says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
type Entry = { dev?: boolean; engines?: { node?: string } | string[] };

/** The lowest major version a `>=` range of engines.node allows (undefined for other forms: they are older and open). */
function lowestMajor(range: string): number | undefined {
  const m = /^>=\s*v?(\d+)/.exec(range.trim());
  return m ? Number(m[1]) : undefined;
}

test('the product\'s dependencies run on Node 20; those that want a later Node are test-time only, and the README says so', () => {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Entry> };
  const later: string[] = [];
  for (const [where, p] of Object.entries(lock.packages)) {
    if (!where || Array.isArray(p.engines) || !p.engines?.node) continue;
    const major = lowestMajor(p.engines.node);
    if (major === undefined || major <= 20) continue;
    assert.ok(p.dev, `${where} wants Node ${p.engines.node} and is not a dev dependency: the product would need Node ${major}`);
    later.push(where.replace(/^.*node_modules\//, ''));
  }
  assert.ok(later.length > 0, 'some test-time dependencies want a later Node (or the README note can go)');
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, /EBADENGINE/);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  assert.equal(pkg.engines.node, '>=20');
});
