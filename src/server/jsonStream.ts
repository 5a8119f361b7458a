// Large answers (a run's tree, a whole trace) are written as they are made: pieces of JSON text
// gathered into chunks, each written when the client has taken the last one, with a turn of the
// event loop between chunks so that ingest goes on. Never one string for the whole answer: past
// V8's string limit (~512 MB) that throws, and long before it, it costs its size in memory.
import type { ServerResponse } from 'node:http';
import { SLICE_MS, turn } from '../slices';

export interface StreamOptions {
  /** Characters gathered before a write. */
  chunkChars: number;
  /** A client that takes nothing for this long is cut off. */
  drainTimeoutMs: number;
}

export const STREAM_DEFAULTS: StreamOptions = { chunkChars: 256 * 1024, drainTimeoutMs: 30_000 };

/** Waits until the response can take more; false when the client went away or stopped reading. */
function drained(res: ServerResponse, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => { clearTimeout(timer); res.off('drain', onDrain); res.off('close', onClose); resolve(ok); };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => {
      done(false);
      res.destroy(new Error(`the client read nothing for ${timeoutMs} ms`));
    }, timeoutMs);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * Writes `pieces` as the body of a 200 answer. The pieces are pulled only as the client reads, so
 * what is held at once is one chunk, whatever the size of the whole.
 */
export async function writeStream(res: ServerResponse, contentType: string, pieces: Iterable<string>, opts: StreamOptions = STREAM_DEFAULTS): Promise<void> {
  const it = pieces[Symbol.iterator]();
  // The first piece is made before the head is sent, so a failure there still gets a proper 500.
  let next = it.next();
  res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  let buf: string[] = [];
  let size = 0;
  const flush = async (): Promise<boolean> => {
    const ok = res.write(buf.join(''));
    buf = [];
    size = 0;
    if (res.destroyed) return false;
    // A turn after every chunk, drained or not: when the client keeps up, 'drain' comes from the
    // socket's uncork on the next tick, and awaiting it alone chained chunk after chunk through
    // ticks and microtasks without the event loop ever turning (2 s for a 134 MB run).
    if (!ok && !(await drained(res, opts.drainTimeoutMs))) return false;
    await turn();
    return !res.destroyed;
  };
  let t0 = Date.now();
  for (; !next.done; next = it.next()) {
    // An empty piece: the maker is working between pieces; the event loop gets a turn every slice.
    if (next.value === '') {
      if (Date.now() - t0 >= SLICE_MS) { await turn(); t0 = Date.now(); if (res.destroyed) { it.return?.(); return; } }
      continue;
    }
    buf.push(next.value);
    size += next.value.length;
    if (size >= opts.chunkChars && !(await flush())) { it.return?.(); return; }
  }
  if (size) res.write(buf.join(''));
  res.end();
}
