// Orphaned steps, said where they matter: on a run that lost steps to runs of their own (with a
// way to see them stitched under their likely parent), and on such a piece (where it belongs, why,
// and how to fix the cause).
import type { Orphan } from '../src/protocol';
import type { Host } from './transport';
import { h, visible } from './dom';

export interface OrphanLinks {
  /** Opens a run, stitched (its orphans under their likely parents) or not. */
  openRun(traceId: string, stitched: boolean): void;
}

/** The banner for this run, or null when nothing is orphaned here. */
export async function orphanBanner(host: Host, traceId: string, stitched: boolean, links: OrphanLinks): Promise<HTMLElement | null> {
  let orphans: Orphan[];
  try { orphans = (await host.request('getOrphans', { traceId })).orphans; } catch { return null; }
  const here = orphans.filter((o) => o.likely?.traceId === traceId);
  const mine = orphans.filter((o) => o.traceId === traceId);
  const parts: (HTMLElement | string)[] = [];
  if (here.length) {
    const names = [...new Set(here.map((o) => visible(o.name)))].join(', ');
    parts.push(h('p', null, h('strong', null, `${here.length} step${here.length === 1 ? '' : 's'} that lost ${here.length === 1 ? 'its' : 'their'} trace context`),
      ` probably belong${here.length === 1 ? 's' : ''} to this run (${names}).`, ' ',
      stitched
        ? h('button', { type: 'button', class: 'link', onclick: () => links.openRun(traceId, false) }, 'Show the run as recorded')
        : h('button', { type: 'button', class: 'link stitch', onclick: () => links.openRun(traceId, true) }, 'Show them stitched in')));
    if (stitched) parts.push(h('p', { class: 'muted' }, 'Stitched steps are marked ⇢: this is a view, the stored runs are unchanged.'));
    parts.push(h('p', { class: 'muted' }, here[0]!.fix));
  }
  for (const o of mine) {
    if (o.reason === 'parent-missing') {
      parts.push(h('p', null, h('strong', null, `${visible(o.name)}: parent missing.`), ` ${o.why.join('; ')}. ${o.fix}`));
    } else if (o.likely) {
      parts.push(h('p', null, h('strong', null, `This run looks like a piece of another run`), ` (${o.confidence ?? 'low'} confidence): ${visible(o.name)} probably ran inside ${visible(o.likely.name)}: ${o.why.join('; ')}. `,
        h('button', { type: 'button', class: 'link', onclick: () => links.openRun(o.likely!.traceId, true) }, 'Open that run with this stitched in')),
      h('p', { class: 'muted' }, o.fix));
    }
  }
  return parts.length ? h('div', { class: 'orphan-banner', role: 'note' }, ...parts) : null;
}
