// One step of a run's tree as the run view holds it (see RunModel): kept small, since a run of a
// million spans holds a million of them.
import { msOfNanos } from '../src/time';
import { treeSpanOfRow, type GenAiView, type SpanStatus, type TreeRow, type TreeSpan } from '../src/protocol';

// Most nodes are leaves: they share one frozen empty list until a child comes (100,000 fewer
// arrays to allocate and keep for a big run).
export const NO_CHILDREN: RunNode[] = Object.freeze([]) as unknown as RunNode[];

/**
 * One step of the tree. A node read from the tree stream keeps only what the tree needs at every
 * row (id, times, whether it failed, its kind) and where its line is in the text it came in; its
 * span is parsed from that line when asked. Holding a 1,000,000-row run's parsed rows (arrays,
 * GenAI objects, their strings: several objects a row) made the collector's marking most of
 * opening it; the text is a few thousand flat strings the collector does not look into.
 * `span` makes a fresh object each time: views ask for the few rows in sight.
 */
export class RunNode {
  /** The text its line is in (from `at` to `to`), or its span as an object; undefined while a placeholder. */
  private src: string | TreeSpan | undefined;
  private at: number;
  private to: number;
  /** Its status is an error. */
  failed: boolean;
  /** Its GenAI kind ('llm', 'tool', …), 'span' without one, 'pending' while a placeholder. */
  kind: string;
  parent: RunNode | undefined;
  children: RunNode[];
  /** Its slot in `times`. */
  private readonly ix: number;
  /** Set by `rows()`: depth in the tree. */
  depth: number;
  /** Arrival order (a placeholder's is its span's when it comes). */
  seq: number;
  /** The rows listing it is in (see RunModel.rows): a number, checked cheaply. */
  listed: number;
  /** Set by `analyze()`. */
  critical: boolean;
  descendants: number;
  errorsBelow: number;

  constructor(readonly id: string, private readonly times: TimeColumn) {
    this.ix = times.slot();
    this.src = undefined;
    this.at = 0;
    this.to = 0;
    this.failed = false;
    this.kind = 'pending';
    this.parent = undefined;
    this.children = NO_CHILDREN;
    this.depth = 0;
    this.seq = 0;
    this.listed = 0;
    this.critical = false;
    this.descendants = 0;
    this.errorsBelow = 0;
  }

  get startMs(): number { return this.times.t[this.ix * 2]!; }
  set startMs(v: number) { this.times.t[this.ix * 2] = v; }
  get endMs(): number { return this.times.t[this.ix * 2 + 1]!; }
  set endMs(v: number) { this.times.t[this.ix * 2 + 1] = v; }

  /** Undefined while this is a placeholder for a parent that has not arrived. */
  get span(): TreeSpan | undefined {
    const s = this.src;
    return typeof s === 'string' ? treeSpanOfRow(JSON.parse(s.slice(this.at, this.to)) as TreeRow) : s;
  }
  /** A placeholder for a parent that has not arrived. */
  get pending(): boolean { return this.src === undefined; }
  /** Its GenAI view. */
  get genai(): GenAiView | undefined { return this.span?.genai; }
  /** Where its line is in the tree stream's text, when it came so. */
  line(): { text: string; at: number; to: number } | undefined {
    return typeof this.src === 'string' ? { text: this.src, at: this.at, to: this.to } : undefined;
  }
  /**
   * What it was drawn from: the same value until its span changes (what views compare to repaint).
   * (A node's text is one object for all its batch's nodes: compared by identity, not content.)
   */
  get data(): unknown { return this.src; }

  /** Its span arrived as a row, the line `text[at, to)`: its own times from now on. */
  fillRow(r: TreeRow, text: string, at: number, to: number): void {
    this.src = text; this.at = at; this.to = to;
    this.fillTimes(r[4], r[5], r[6] || undefined, r[8] || undefined);
  }

  /** Its span arrived as an object. */
  fillSpan(s: TreeSpan): void {
    this.src = s;
    this.fillTimes(s.startTimeUnixNano, s.endTimeUnixNano, s.status, s.genai);
  }

  private fillTimes(start: string, end: string, status: SpanStatus | undefined, genai: GenAiView | undefined): void {
    this.startMs = msOfNanos(start);
    this.endMs = Math.max(this.startMs, msOfNanos(end));
    this.failed = status?.code === 2;
    this.kind = genai ? kindName(genai.kind) : 'span';
  }
}

/**
 * The start and end of every node of a model, two numbers a node. A field that holds a fractional
 * number is an object of its own in V8: at a million nodes, two million objects for the collector.
 */
export class TimeColumn {
  t = new Float64Array(4096);
  private n = 0;
  /** A new node's slot (its times unset: +∞ and −∞). */
  slot(): number {
    if (this.n * 2 === this.t.length) { const t = new Float64Array(this.t.length * 2); t.set(this.t); this.t = t; }
    this.t[this.n * 2] = Infinity;
    this.t[this.n * 2 + 1] = -Infinity;
    return this.n++;
  }
}

/** One copy of each kind name (a million rows each parsed their own). */
const KIND_NAMES = new Map<string, string>();
function kindName(k: string): string {
  let v = KIND_NAMES.get(k);
  if (v === undefined) KIND_NAMES.set(k, (v = k));
  return v;
}
