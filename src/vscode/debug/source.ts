// The replay's runs from the receiver: its API for whole runs, its live feed for what changed.
// Editor-free (the tests use it as the extension does); the extension adds path resolution.
import type { ServerClient } from '../client';
import { treeSpansOfRows, type ApiSpan, type TraceResponse, type TraceSummary, type TreeRow, type TreeSpan } from '../../protocol';
import type { PathMapping } from '../../source/pathMap';

/** Where the session gets runs from (the receiver's API, through the extension's client). */
export interface ReplaySource {
  trace(traceId: string): Promise<TraceResponse>;
  /**
   * A run's tree (no content), and spans of it whole, a few hundred at a time: with both, a launch
   * opens the run from its tree and loads a step's content when someone looks at it (a 100k-step
   * run's whole answer is over 100 MB). Without them, the whole run is read at launch.
   */
  tree?(traceId: string): Promise<{ summary: TraceSummary; spans: TreeSpan[] }>;
  spans?(traceId: string, spanIds: string[]): Promise<ApiSpan[]>;
  /** The newest run's trace id, if any. */
  latest(): Promise<string | undefined>;
  /** The local file a telemetry path stands for (path mappings, workspace search), if any. */
  resolvePath?(reported: string): Promise<string | undefined>;
  /** Runs that changed (new spans) and runs that were removed: for attach, and to say a replayed run was deleted. */
  onRuns?(cb: (changed: string[], removed: string[] | 'all') => void): () => void;
  mappings?(): PathMapping[];
}

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
