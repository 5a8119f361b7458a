// Values many stored spans share, kept once and referred to by number: strings that repeat (span
// names, models, agents, tools, services, schemas), resources, scopes, request bodies. Counted: a
// value nothing refers to any more is let go, so that names that never repeat (a URL path in a
// span name) do not pile up. A column of these numbers instead of a column of pointers is also
// one the garbage collector does not walk at every full collection.
export class Interned<T> {
  private readonly items: (T | undefined)[] = [undefined];
  private readonly refs: number[] = [0];
  private readonly ids = new Map<T, number>();
  private readonly free: number[] = [];

  /** The number of `x` (1 and up; 0 stands for none), counting one more reference. */
  add(x: T): number {
    let id = this.ids.get(x);
    if (id !== undefined) { this.refs[id]!++; return id; }
    id = this.free.pop() ?? this.items.length;
    this.items[id] = x;
    this.refs[id] = 1;
    this.ids.set(x, id);
    return id;
  }

  /** How many references `id` has (1 right after its first `add`). */
  refsOf(id: number): number { return this.refs[id] ?? 0; }

  item(id: number): T | undefined { return this.items[id]; }

  /** One reference fewer; true when that was the last (the value is let go). */
  release(id: number): boolean {
    if (id === 0 || --this.refs[id]! > 0) return false;
    this.ids.delete(this.items[id]!);
    this.items[id] = undefined;
    this.free.push(id);
    return true;
  }

  /** Puts `x` in the place of the value `id` stands for (its references stay). */
  replace(id: number, x: T): void {
    this.ids.delete(this.items[id]!);
    this.items[id] = x;
    this.ids.set(x, id);
  }

  *entries(): IterableIterator<[number, T]> { for (const [x, id] of this.ids) yield [id, x]; }
}

/** Strings: the empty string (or none) is 0 and is not counted. */
export class StringTable extends Interned<string> {
  override add(s: string | undefined): number { return s ? super.add(s) : 0; }

  get(id: number): string { return this.item(id) ?? ''; }

  /** The string or undefined for none (id 0). */
  opt(id: number): string | undefined { return id === 0 ? undefined : this.item(id); }
}
