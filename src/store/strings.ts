// Strings that repeat across spans (span names, models, agents, tools, services, schemas), kept once
// and referred to by number. Counted: a string no span refers to any more is let go, so that
// names that never repeat (a URL path in a span name) do not pile up.
export class StringTable {
  private readonly strs: (string | undefined)[] = [''];
  private readonly refs: number[] = [Infinity];
  private readonly ids = new Map<string, number>();
  private readonly free: number[] = [];

  /** The id of a string (0 is the empty string, and "none"), counting one more reference. */
  add(s: string | undefined): number {
    if (!s) return 0;
    let id = this.ids.get(s);
    if (id !== undefined) { this.refs[id]!++; return id; }
    id = this.free.pop() ?? this.strs.length;
    this.strs[id] = s;
    this.refs[id] = 1;
    this.ids.set(s, id);
    return id;
  }

  /** One reference fewer; the string goes when none is left. */
  release(id: number): void {
    if (id === 0) return;
    if (--this.refs[id]! > 0) return;
    this.ids.delete(this.strs[id]!);
    this.strs[id] = undefined;
    this.free.push(id);
  }

  get(id: number): string {
    return this.strs[id] ?? '';
  }

  /** The string or undefined for none (id 0). */
  opt(id: number): string | undefined {
    return id === 0 ? undefined : this.strs[id];
  }

  get size(): number { return this.ids.size; }

  /** Roughly what the table holds, in bytes. */
  get approxBytes(): number {
    let n = 0;
    for (const s of this.ids.keys()) n += 40 + s.length;
    return n;
  }
}
