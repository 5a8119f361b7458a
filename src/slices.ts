// Work that grows with the data, done a slice at a time: whatever reads a whole run or the whole
// store gives the event loop a turn every SLICE_MS, so ingest, the API and the live feed go on.
// Long work is written as a generator that yields between small steps; `drive` runs one.

/** How long a slice of work runs before the event loop gets a turn. */
export const SLICE_MS = 8;

/** A turn for the event loop (I/O and timers run before the work goes on). */
export const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs a stepwise computation to its end, giving the event loop a turn every `sliceMs`. */
export async function drive<T>(steps: Generator<void, T>, sliceMs = SLICE_MS): Promise<T> {
  let t0 = Date.now();
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done) return r.value;
    if (Date.now() - t0 >= sliceMs) { await turn(); t0 = Date.now(); }
  }
}

/** Runs a stepwise computation to its end at once (for callers that cannot wait). */
export function runNow<T>(steps: Generator<void, T>): T {
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
}

/** `step` over each item, as a stepwise computation (one step an item). */
export function* eachStep<T>(items: Iterable<T>, step: (x: T) => void): Generator<void, void> {
  for (const x of items) { step(x); yield; }
}
