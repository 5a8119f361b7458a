// Lifetimes: a scope that disposes what it registered, in reverse order, and disposes at once
// anything registered after it ended (a late async result cannot leak). Two scopes are used: the
// extension's life, and one server connection's life.

export interface DisposableLike { dispose(): unknown }

export class Scope implements DisposableLike {
  private readonly items: DisposableLike[] = [];
  private ended = false;

  register<T extends DisposableLike>(d: T): T {
    if (this.ended) d.dispose();
    else this.items.push(d);
    return d;
  }

  /** Registers a plain function to run at disposal. */
  defer(fn: () => unknown): void {
    this.register({ dispose: fn });
  }

  dispose(): void {
    this.ended = true;
    for (const d of this.items.splice(0).reverse()) {
      try { d.dispose(); } catch { /* one failing disposal must not keep the rest alive */ }
    }
  }
}
