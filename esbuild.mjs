// The one build script: server/CLI and extension bundles (Node, CommonJS), the UI bundle
// (browser, IIFE), and the test and benchmark files (Node, dependencies left external).
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync, existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');

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

rmSync('dist-test', { recursive: true, force: true });
// The Python capture helper is Python: copied, a directory of its own to put on PYTHONPATH.
mkdirSync('dist/capture-python', { recursive: true });
copyFileSync('capture/python/sitecustomize.py', 'dist/capture-python/sitecustomize.py');

await Promise.all([
  // Everything the extension and the server need at run time is bundled: the .vsix ships no node_modules.
  esbuild.build({ ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } }),
  existsSync('src/vscode/extension.ts') &&
    esbuild.build({ ...node, entryPoints: { extension: 'src/vscode/extension.ts' }, outdir: 'dist', external: ['vscode'] }),
  existsSync('webview/main.ts') &&
    esbuild.build({ bundle: true, platform: 'browser', format: 'iife', target: ['chrome120'], sourcemap: !production,
      minify: production, logLevel: 'warning', entryPoints: { ui: 'webview/main.ts' }, outdir: 'dist' }),
  // The capture helper injected into the user's Node apps: one file, nothing to resolve at run time.
  esbuild.build({ ...node, entryPoints: { 'capture-node': 'capture/node/register.ts' }, outdir: 'dist' }),
  // The demo app uses the OpenTelemetry SDK like any app would; bundled with it, since the editor
  // runs it as the sample agent from the .vsix, which ships no node_modules.
  // Its map (always, without the sources' text) lets the call-site helper see through the bundle
  // to src/demo/*.ts under --enable-source-maps, and tell the SDK's frames from the app's.
  esbuild.build({ ...node, entryPoints: { demo: 'src/demo/demo.ts' }, outdir: 'dist', sourcemap: true, sourcesContent: false }),
  esbuild.build({ ...node, sourcemap: true, entryPoints: walk('test', /\.(test|helper|suite)\.ts$|^helpers?\.ts$/).concat(walk('test/helpers', /\.ts$/), walk('test/vscode/suite', /^index\.ts$/)),
    outdir: 'dist-test', outbase: 'test', packages: 'external', bundle: true }),
  esbuild.build({ ...node, sourcemap: true, entryPoints: walk('bench', /\.ts$/), outdir: 'dist-bench', outbase: 'bench', packages: 'external' }),
].filter(Boolean));
