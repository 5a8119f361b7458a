// One row of the span tree and its bar in the waterfall: what it shows by kind, its ARIA, and
// where its bar sits for the current zoom (a zoom or pan only moves bars).
import type { RunNode } from './runNode';
import { kindOf } from './timeline';
import { h, visible } from './dom';
import { KIND_LABEL, definitionTarget, fmtMs, fmtTokens, fmtUsd } from './format';

export const ROW_H = 24;

/** What a row's look depends on besides the node. */
export interface RowState {
  selected: string | undefined;
  isCollapsed(id: string): boolean;
  isMatch(id: string): boolean;
  showCritical: boolean;
  /** Width of the tree column: bars are placed after it. */
  treeW: number;
  /** The host opens files (the editor): rows with a known source get a "go to source" button. */
  canOpenSource: boolean;
  /** A step from another run, shown under its likely parent (the stitched view). */
  isStitched(id: string): boolean;
}

/** Run-relative ms → x in the waterfall's coordinates, and the time window in view. */
export interface TimeView { x(ms: number): number; runStart: number; d0: number; d1: number }

export class RowPainter {
  private readonly bars = new WeakMap<HTMLElement, { bar: HTMLElement; lbl: HTMLElement }>();

  row(n: RunNode, i: number, count: number, st: RowState, tv: TimeView): HTMLElement {
    const s = n.span;
    const kind = kindOf(n);
    const collapsed = st.isCollapsed(n.id);
    const hasKids = n.children.length > 0;
    const err = s?.status?.code === 2;
    const cls = ['row', `k-${kind}`];
    if (n.id === st.selected) cls.push('selected');
    if (err) cls.push('error');
    if (st.isMatch(n.id)) cls.push('match');
    if (st.showCritical && n.critical) cls.push('critical');
    if (st.isStitched(n.id)) cls.push('stitched');
    const row = h('div', {
      class: cls.join(' '), role: 'treeitem', id: `row-${n.id}`, 'data-id': n.id, 'aria-level': n.depth + 1,
      'aria-selected': n.id === st.selected ? 'true' : 'false', 'aria-expanded': hasKids ? String(!collapsed) : null,
      'aria-posinset': i + 1, 'aria-setsize': count,
    });
    row.style.top = `${i * ROW_H}px`;
    const tree = h('div', { class: 'cell-tree' });
    tree.style.paddingLeft = `${4 + n.depth * 14}px`;
    tree.appendChild(h('span', { class: 'twisty', 'aria-hidden': 'true' }, hasKids ? (collapsed ? '▸' : '▾') : ''));
    tree.appendChild(h('span', { class: `badge k-${kind}` }, KIND_LABEL[kind as keyof typeof KIND_LABEL] ?? kind));
    if (err) tree.appendChild(h('span', { class: 'err-mark', title: s?.status?.message || 'error' }, '⚠'));
    tree.appendChild(h('span', { class: 'name' }, s ? rowLabel(n) : `waiting for parent ${n.id.slice(0, 8)}…`));
    const meta = rowMeta(n, collapsed);
    if (meta) tree.appendChild(h('span', { class: 'meta' }, meta));
    const src = st.canOpenSource ? s?.genai?.source?.[0] : undefined;
    // A tool's or an agent's ↗ goes to its definition (found by name in the workspace), else to where it was called.
    const defined = st.canOpenSource ? definitionTarget(s?.genai)?.[1] : undefined;
    if (src || defined) {
      const where = src ? `${src.path.split(/[/\\]/).pop()}:${src.line}` : '';
      const title = defined ? `Go to the ${s!.genai!.kind} ${visible(defined)}'s definition${src ? ` (called at ${visible(where)})` : ''}` : `Go to source: ${visible(src!.path)}:${src!.line}`;
      tree.appendChild(h('button', { class: 'go-source', type: 'button', tabindex: '-1', title, 'aria-label': title }, '↗'));
    }
    row.title = s ? `${visible(s.name)} · ${fmtMs(n.endMs - n.startMs)}${err && s.status?.message ? ` · ${s.status.message}` : ''}` : 'This span\'s parent has not arrived yet';
    const bar = h('div', { class: `bar k-${kind}${err ? ' error' : ''}${!s ? ' pending' : ''}` });
    const lbl = h('span', { class: 'dur' }, fmtMs(n.endMs - n.startMs));
    this.bars.set(row, { bar, lbl });
    this.placeBar(row, n, st.treeW, tv);
    row.append(tree, h('div', { class: 'cell-time' }, bar, lbl));
    return row;
  }

  /** Positions a row's bar and duration label for the current zoom. */
  placeBar(row: HTMLElement, n: RunNode, treeW: number, tv: TimeView): void {
    const el = this.bars.get(row)!;
    const a = n.startMs - tv.runStart, b = n.endMs - tv.runStart;
    const inView = b >= tv.d0 && a <= tv.d1;
    el.bar.hidden = el.lbl.hidden = !inView;
    if (!inView) return;
    const x0 = Math.max(-2, tv.x(a) - treeW - 8), x1 = tv.x(b) - treeW - 8;
    el.bar.style.left = `${x0}px`;
    el.bar.style.width = `${Math.max(1, x1 - x0)}px`;
    el.lbl.style.left = `${Math.max(0, x1) + 4}px`;
  }
}

/** What a row is called: the span name, with invisible characters shown. */
export function rowLabel(n: RunNode): string {
  return visible(n.span!.name);
}

/** What a row shows beside its name, by kind. */
export function rowMeta(n: RunNode, collapsed: boolean): string {
  const s = n.span;
  const parts: string[] = [];
  if (!s) parts.push(`parent not arrived · ${n.children.length} below`);
  const g = s?.genai;
  if (g?.kind === 'llm' || g?.kind === 'embeddings') {
    const model = g.responseModel ?? g.requestModel;
    if (model) parts.push(visible(model));
    if (g.usage) parts.push(`${fmtTokens(g.usage.input)} → ${fmtTokens(g.usage.output)} tok`);
    else if (g.kind === 'llm') parts.push('no usage');
    if (g.costUsd !== undefined && g.costUsd !== null && g.countsUsage !== false) parts.push(fmtUsd(g.costUsd));
  } else if (g?.kind === 'tool') {
    const name = g.toolName && g.toolName !== s!.name ? visible(g.toolName) : '';
    parts.push(`${name}(${visible(g.argsPreview ?? '')})`);
  } else if (g?.kind === 'agent' && g.agentName && g.agentName !== s!.name) parts.push(visible(g.agentName));
  if (collapsed && n.descendants) parts.push(`+${n.descendants}`);
  if (collapsed && n.errorsBelow) parts.push(`${n.errorsBelow} error${n.errorsBelow === 1 ? '' : 's'} below`);
  return parts.join(' · ');
}
