// The one build script: server/CLI and extension bundles (Node, CommonJS), the UI bundle
// (browser, IIFE), and the test and benchmark files (Node, dependencies left external).
//   node esbuild.mjs [--production] [--outdir=DIR]
// --outdir puts the bundles elsewhere and builds no tests (a test that packages the .vsix as users
// get it does that, while the other tests run from dist/).
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync, existsSync, mkdirSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const outArg = process.argv.find((a) => a.startsWith('--outdir='));
const out = outArg ? outArg.slice('--outdir='.length) : 'dist';
const withTests = !outArg;

function walk(dir, pattern, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, pattern, out);
    else if (pattern.test(name)) out.push(p);
  }
  return out;
}

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: ['node20'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

if (withTests) rmSync('dist-test', { recursive: true, force: true });

/**
 * The sample agent's source, shipped beside its bundle for reading (its steps link to it): a copy
 * in dist/sample/ with a tsconfig that tells the editor not to type-check it (the .vsix has no
 * node_modules for its imports, so the editor would show "cannot find module" errors in a file the
 * user only reads), and the bundle's map pointed at the copy. The project's type check
 * (`npm run typecheck`) checks src/demo/ itself.
 */
function shipSampleSource() {
  const files = ['demo.ts', 'mockModel.ts'];
  rmSync(join(out, 'sample'), { recursive: true, force: true });
  mkdirSync(join(out, 'sample'), { recursive: true });
  for (const f of files) copyFileSync(join('src/demo', f), join(out, 'sample', f));
  writeFileSync(join(out, 'sample', 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'commonjs', lib: ['ES2022', 'DOM'], noCheck: true, noEmit: true, types: [] },
    files,
  }, null, 2) + '\n');
  const map = JSON.parse(readFileSync(join(out, 'demo.js.map'), 'utf8'));
  map.sources = map.sources.map((src) => { const f = files.find((x) => src.endsWith(`src/demo/${x}`)); return f ? `sample/${f}` : src; });
  writeFileSync(join(out, 'demo.js.map'), JSON.stringify(map));
}
// The Python capture helper is Python: copied, a directory of its own to put on PYTHONPATH.
mkdirSync(join(out, 'capture-python'), { recursive: true });
copyFileSync('capture/python/sitecustomize.py', join(out, 'capture-python', 'sitecustomize.py'));
copyFileSync('capture/python/agent_lens_gate.py', join(out, 'capture-python', 'agent_lens_gate.py'));
copyFileSync('capture/python/agent_lens_rerun.py', join(out, 'capture-python', 'agent_lens_rerun.py'));

await Promise.all([
  // Everything the extension and the server need at run time is bundled: the .vsix ships no node_modules.
  esbuild.build({ ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: out, banner: { js: '#!/usr/bin/env node' } }),
  existsSync('src/vscode/extension.ts') &&
    // (ES modules first: jsonc-parser's UMD build loads its parts with a require the bundle cannot follow.)
    esbuild.build({ ...node, entryPoints: { extension: 'src/vscode/extension.ts' }, outdir: out, external: ['vscode'], mainFields: ['module', 'main'] }),
  existsSync('webview/main.ts') &&
    esbuild.build({ bundle: true, platform: 'browser', format: 'iife', target: ['chrome120'], sourcemap: !production,
      minify: production, logLevel: 'warning', entryPoints: { ui: 'webview/main.ts' }, outdir: out }),
  // The capture helper injected into the user's Node apps: one file, nothing to resolve at run time.
  esbuild.build({ ...node, entryPoints: { 'capture-node': 'capture/node/register.ts' }, outdir: out }),
  // The demo app uses the OpenTelemetry SDK like any app would; bundled with it, since the editor
  // runs it as the sample agent from the .vsix, which ships no node_modules.
  // Its map (always, without the sources' text) lets the call-site helper see through the bundle
  // to its source under --enable-source-maps, and tell the SDK's frames from the app's. Its names
  // are kept even in the packaged build: they are what its steps' links say ("demo.ts:47 chat").
  esbuild.build({ ...node, entryPoints: { demo: 'src/demo/demo.ts' }, outdir: out, sourcemap: true, sourcesContent: false,
    minify: false, minifyWhitespace: production, minifySyntax: production, minifyIdentifiers: false }).then(shipSampleSource),
  withTests && esbuild.build({ ...node, sourcemap: true, entryPoints: walk('test', /\.(test|helper|suite)\.ts$|^helpers?\.ts$/).concat(walk('test/helpers', /\.ts$/), walk('test/vscode/suite', /^index\.ts$/)),
    outdir: 'dist-test', outbase: 'test', packages: 'external', bundle: true }),
  withTests && esbuild.build({ ...node, sourcemap: true, entryPoints: walk('bench', /\.ts$/), outdir: 'dist-bench', outbase: 'bench', packages: 'external' }),
].filter(Boolean));
