// The span tree's keys: arrows walk and fold, Page/Home/End jump, Enter opens the detail, F12 goes
// to the step's source (the editor's "go to definition" key), + - 0 zoom the timeline.
import type { RunNode } from './runNode';

export interface TreeKeyTarget {
  rows(): RunNode[];
  selected: string | undefined;
  /** Rows in a page of the visible tree. */
  pageRows: number;
  select(id: string): void;
  isCollapsed(id: string): boolean;
  toggle(id: string, open: boolean): void;
  openDetail(id: string): void;
  /** Opens the step's source; false when it has none or there is no editor. */
  openSource(n: RunNode): boolean;
  zoom(by: number): void;
  fit(): void;
}

/** Handles a key on the tree; true when it did something (the caller prevents the default). */
export function treeKey(key: string, t: TreeKeyTarget): boolean {
  const rows = t.rows();
  if (!rows.length) return false;
  const i = t.selected ? rows.findIndex((n) => n.id === t.selected) : -1;
  const cur = rows[i];
  const go = (j: number) => { const n = rows[Math.max(0, Math.min(rows.length - 1, j))]; if (n) t.select(n.id); };
  switch (key) {
    case 'ArrowDown': go(i + 1); break;
    case 'ArrowUp': go(i < 0 ? 0 : i - 1); break;
    case 'PageDown': go(i + t.pageRows); break;
    case 'PageUp': go(i - t.pageRows); break;
    case 'Home': go(0); break;
    case 'End': go(rows.length - 1); break;
    case 'ArrowRight':
      if (!cur) { go(0); break; }
      if (cur.children.length && t.isCollapsed(cur.id)) t.toggle(cur.id, true); else if (cur.children.length) go(i + 1);
      break;
    case 'ArrowLeft':
      if (!cur) break;
      if (cur.children.length && !t.isCollapsed(cur.id)) t.toggle(cur.id, false); else if (cur.parent) t.select(cur.parent.id);
      break;
    case 'Enter':
      if (cur) t.openDetail(cur.id);
      break;
    case 'F12':
      return !!cur && t.openSource(cur);
    case '+': case '=': t.zoom(2); break;
    case '-': t.zoom(0.5); break;
    case '0': t.fit(); break;
    default: return false;
  }
  return true;
}
