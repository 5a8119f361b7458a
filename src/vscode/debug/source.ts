// The replay's runs from the receiver: its API for whole runs, its live feed for what changed.
// Editor-free (the tests use it as the extension does); the extension adds path resolution.
import type { ServerClient } from '../client';
import { treeSpansOfRows, type TreeRow } from '../../protocol';
import type { PathMapping } from '../../source/pathMap';
import type { ReplaySource } from './session';

export function clientSource(client: ServerClient, o: { resolvePath?: (p: string) => Promise<string | undefined>; mappings?: () => PathMapping[] } = {}): ReplaySource {
  return {
    trace: (id) => client.ui('getTrace', { traceId: id }),
    // The tree as a stream of rows (no one string holds a big run), then content a batch at a time.
    tree: async (id) => {
      const rows: TreeRow[] = [];
      const { summary } = await client.treeRows(id, (batch) => { for (const r of batch) rows.push(r); });
      return { summary, spans: treeSpansOfRows(rows) };
    },
    spans: async (id, ids) => (await client.ui('getSpans', { traceId: id, ids })).spans,
    latest: async () => (await client.listTraces(1)).traces[0]?.traceId,
    ...(o.resolvePath ? { resolvePath: o.resolvePath } : {}),
    ...(o.mappings ? { mappings: o.mappings } : {}),
    onRuns: (cb) => client.onFeed((m) => {
      if (m.type === 'summaries') cb(m.traces.map((t) => t.traceId), []);
      else if (m.type === 'removed') cb([], m.traceIds);
      else if (m.type === 'resync' && m.traceIds) cb(m.traceIds, []);
    }),
  };
}
