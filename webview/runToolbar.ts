// The run view's toolbar: back, find, expand and collapse, the critical path, zoom, Debug Run.
import { h } from './dom';

export interface ToolbarActions {
  back(): void;
  expandAll(): void;
  collapse(): void;
  /** Toggles the critical path; returns whether it is shown now. */
  toggleCritical(): boolean;
  zoom(by: number): void;
  fit(): void;
  /** Present in the editor only. */
  debugRun?(): void;
}

export function runToolbar(a: ToolbarActions, find: HTMLElement, findInfo: HTMLElement, status: HTMLElement): HTMLElement {
  const btn = (label: string, title: string, fn: () => void) => h('button', { type: 'button', title, 'aria-label': title, onclick: fn }, label);
  const critBtn = btn('', 'Mark the critical path: the spans the run was waiting on, end to start', () => critBtn.setAttribute('aria-pressed', String(a.toggleCritical())));
  critBtn.setAttribute('aria-pressed', 'true');
  critBtn.append(h('span', { class: 'legend-crit', 'aria-hidden': 'true' }), ' critical path');
  return h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Run tools' },
    btn('← Runs', 'Back to the runs', a.back), find, findInfo,
    btn('expand', 'Expand all', a.expandAll), btn('collapse', 'Collapse to the agent steps', a.collapse), critBtn,
    btn('−', 'Zoom out (-)', () => a.zoom(0.5)), btn('+', 'Zoom in (+)', () => a.zoom(2)), btn('fit', 'Show the whole run (0)', a.fit),
    a.debugRun ? h('button', { type: 'button', class: 'debug-run', title: 'Step through this run with the editor\'s debugger, paused at its first step', onclick: a.debugRun }, '▷ Debug Run') : null,
    status);
}
