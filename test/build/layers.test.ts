// The source's layers as src/README.md draws them, read from the import statements of every file
// in src/ and webview/: no circle anywhere (type-only imports included), the protocol a stack of
// files each importing only those before it, and the faces (editor, UI, replay) reaching the
// receiver only through the protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

const files = [...sources('src'), ...sources('webview')];
const known = new Set(files);

/** The project files a file imports (static, dynamic and type-only imports, and re-exports). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm)) {
    const p = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!));
    const hit = [`${p}.ts`, `${p}/index.ts`].find((c) => known.has(c));
    if (hit) out.add(hit);
  }
  return [...out];
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

test(`no import circle among the ${files.length} files of src/ and webview/`, () => {
  assert.ok(files.length > 100 && graph.get('src/vscode/extension.ts')!.length > 5, 'the files and their imports were read');
  // Depth-first: a file met again while it is on the path closes a circle.
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (f: string, trail: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') { circles.push([...trail.slice(trail.indexOf(f)), f].join(' → ')); return; }
    state.set(f, 'open');
    for (const d of graph.get(f)!) visit(d, [...trail, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(circles, []);
});

test('the protocol is one folder, each file importing only the ones its index lists before it, and nothing else of the project', () => {
  const order = [...fs.readFileSync(path.join(ROOT, 'src/protocol/index.ts'), 'utf8').matchAll(/export \* from '\.\/([^']+)'/g)].map((m) => `src/protocol/${m[1]}.ts`);
  assert.deepEqual([...order].sort(), files.filter((f) => f.startsWith('src/protocol/') && !f.endsWith('/index.ts')).sort(), 'the index lists every protocol file');
  for (const [i, f] of order.entries()) {
    for (const d of graph.get(f)!) assert.ok(order.indexOf(d) >= 0 && order.indexOf(d) < i, `${f} imports ${d}`);
  }
  // Nothing reaches past the index into the folder's files.
  for (const [f, deps] of graph) if (!f.startsWith('src/protocol/')) for (const d of deps) assert.ok(!d.startsWith('src/protocol/') || d === 'src/protocol/index.ts', `${f} imports ${d}`);
});

test('the editor, the UI and the replay meet the receiver only through the protocol (and the state file)', () => {
  const rules: [string, RegExp][] = [
    ['src/vscode/', /^src\/(server|store|otlp|genai)\//],
    ['webview/', /^src\/(server|store|otlp|genai|vscode)\//],
    ['src/replay/', /^src\/(server|store|otlp|genai|vscode)\//],
  ];
  for (const [under, banned] of rules) {
    for (const [f, deps] of graph) if (f.startsWith(under)) for (const d of deps) assert.ok(!banned.test(d), `${f} imports ${d}`);
  }
  // Nothing imports the editor's or the UI's files but their own.
  for (const [f, deps] of graph) for (const d of deps) {
    if (d.startsWith('src/vscode/')) assert.ok(f.startsWith('src/vscode/'), `${f} imports ${d}`);
    if (d.startsWith('webview/')) assert.ok(f.startsWith('webview/'), `${f} imports ${d}`);
  }
});
