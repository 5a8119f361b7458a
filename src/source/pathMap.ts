// Where a path from telemetry is in the workspace: an app in a container, on a remote machine or
// run from another folder reports paths the editor does not have. Path mappings first (like
// launch.json's: a remote prefix and the local folder it is), then the workspace file that shares
// the longest tail of path segments with it.

export interface PathMapping { from: string; to: string }

const norm = (p: string) => p.replace(/\\/g, '/');

/**
 * The workspace file a reported path stands for, or undefined. `files` are the workspace's files
 * (as the editor lists them); a relative path is taken relative to each root.
 */
export function mapPath(reported: string, opts: { mappings?: readonly PathMapping[]; files?: readonly string[]; roots?: readonly string[] } = {}): string | undefined {
  const p = norm(reported);
  const files = (opts.files ?? []).map(norm);
  const fileSet = new Set(files);
  for (const m of opts.mappings ?? []) {
    const from = norm(m.from).replace(/\/$/, '');
    if (p === from || p.startsWith(`${from}/`)) {
      const mapped = `${norm(m.to).replace(/\/$/, '')}${p.slice(from.length)}`;
      if (!files.length || fileSet.has(mapped)) return mapped;
    }
  }
  if (fileSet.has(p)) return p;
  if (!p.startsWith('/') && !/^[a-zA-Z]:\//.test(p)) {
    for (const r of opts.roots ?? []) { const j = `${norm(r).replace(/\/$/, '')}/${p.replace(/^\.\//, '')}`; if (fileSet.has(j)) return j; }
  }
  // The file that ends with the most of the path's segments (at least its name), one of a kind.
  const segs = p.split('/').filter(Boolean);
  let best: string | undefined, bestN = 0, tie = false;
  for (const f of files) {
    const fs = f.split('/');
    let n = 0;
    while (n < segs.length && n < fs.length && segs[segs.length - 1 - n] === fs[fs.length - 1 - n]) n++;
    if (n > bestN) { best = f; bestN = n; tie = false; } else if (n === bestN && n > 0) tie = true;
  }
  return bestN > 0 && !tie ? best : undefined;
}
