// A replay opened light (from the run's tree) gets its steps' content from the receiver as it is
// looked at: the Variables of a stop, a Watch, a condition that reads prompts. Editor-free.
import { SPANS_PER_REQUEST, type ApiSpan } from '../../protocol';
import { NeedDetail, type Replay, type Step } from '../../replay/engine';
import type { ReplaySource } from './source';

export class StepContent {
  constructor(private readonly source: ReplaySource, private readonly say: (text: string) => void) {}

  /**
   * Gives steps of a light replay their content, SPANS_PER_REQUEST at a time, a few requests at
   * once. A step the receiver no longer has (its run deleted) stays without content, said once.
   */
  async load(r: Replay, steps: Step[]): Promise<void> {
    const todo = steps.filter((s) => !s.detailed);
    if (!todo.length || !this.source.spans) { r.fill([], todo); return; }
    const traceId = r.trace.summary.traceId;
    const chunks: string[][] = [];
    for (let i = 0; i < todo.length; i += SPANS_PER_REQUEST) chunks.push(todo.slice(i, i + SPANS_PER_REQUEST).map((s) => s.span.spanId));
    for (let i = 0; i < chunks.length; i += 4) {
      const got = await Promise.all(chunks.slice(i, i + 4).map((ids) => this.source.spans!(traceId, ids).catch((e: Error) => {
        if (!this.loadFailed) this.say(`Agent Lens: could not load steps of the run from the receiver (${e.message}); they show without their content.\n`);
        this.loadFailed = true;
        return [] as ApiSpan[];
      })));
      for (const spans of got) r.fill(spans);
    }
    r.fill([], todo);
  }
  private loadFailed = false;

  /**
   * Runs `f` on a light replay, loading what it needs as it asks (NeedDetail), in growing batches
   * from the step it asked for in the direction of motion. Conditions already answered are not
   * evaluated again, so going over the way again costs little.
   */
  async withDetail<T>(r: Replay, f: () => T, dir: 1 | -1 = 1): Promise<T> {
    let batch = 64;
    for (;;) {
      try { return f(); } catch (e) {
        if (!(e instanceof NeedDetail)) throw e;
        await this.load(r, r.wanted(e.index, batch, dir));
        batch = Math.min(batch * 2, 4 * SPANS_PER_REQUEST);
      }
    }
  }
}
