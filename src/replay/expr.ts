// Expressions over a step, for breakpoint conditions, Watch and the Debug Console:
//   usage.input > 4000 && tool == "book_flight"
//   error || finishReason == "length"
//   attributes["gen_ai.request.model"] contains "mini"
//   input[0].parts[0].content matches "refund"
// A small parser and evaluator written here (no eval, no Function): names resolve only to the
// step's own fields, member access reads only own properties, and nothing can call code. A
// library would bring a general language (calls, assignment) that conditions must not have.

import { RE2JS } from 're2js';

export class ExprError extends Error {
  /** `tooLong`: the expression ran out of its time budget (not a mistake in it). */
  constructor(message: string, readonly at: number, readonly tooLong = false) {
    super(message);
  }
}

/** How long one evaluation may run (a condition on one step, a Watch, a console line). */
export const EVAL_BUDGET_MS = 250;
/** The longest pattern `matches` takes. */
export const MAX_PATTERN = 1000;

// The deadline of the evaluation under way (evaluations do not nest).
let deadline = Infinity;
function checkBudget(at: number): void {
  if (Date.now() > deadline) throw new ExprError(`the expression took too long (over ${EVAL_BUDGET_MS} ms on one step; at ${at + 1}): make it narrower`, at, true);
}

export type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'name'; name: string; at: number }
  | { t: 'member'; obj: Node; key: Node; at: number }
  | { t: 'unary'; op: '!' | '-'; arg: Node }
  | { t: 'binary'; op: string; a: Node; b: Node; at: number };

type Tok = { k: 'num' | 'str' | 'id' | 'op' | 'end'; v: string; at: number };

const OPS = ['&&', '||', '==', '!=', '<=', '>=', '~=', '<', '>', '!', '+', '-', '*', '/', '%', '(', ')', '[', ']', '.'];
const WORD_OPS = new Map([['and', '&&'], ['or', '||'], ['not', '!'], ['contains', 'contains'], ['matches', 'matches']]);

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const at = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ k: 'num', v: m[0], at });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExprError(`a string opened at ${at + 1} is not closed`, at);
        const d = src[i]!;
        if (d === c) { i++; break; }
        if (d === '\\') {
          const e = src[i + 1];
          if (e === undefined) throw new ExprError(`a string opened at ${at + 1} is not closed`, at);
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        s += d;
        i++;
      }
      out.push({ k: 'str', v: s, at });
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(src.slice(i))!;
      const w = m[0];
      const op = WORD_OPS.get(w);
      out.push(op ? { k: 'op', v: op, at } : { k: 'id', v: w, at });
      i += w.length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected "${c}" at ${at + 1}`, at);
    out.push({ k: 'op', v: op === '~=' ? 'matches' : op, at });
    i += op.length;
  }
  out.push({ k: 'end', v: '', at: src.length });
  return out;
}

/** Parses an expression; throws ExprError saying where and what was expected. */
export function parseExpr(src: string): Node {
  if (src.length > 2000) throw new ExprError('an expression is at most 2000 characters', 0);
  const toks = lex(src);
  let p = 0;
  const peek = () => toks[p]!;
  const isOp = (v: string) => peek().k === 'op' && peek().v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExprError(`expected "${v}" at ${peek().at + 1}${peek().k === 'end' ? ' (end of expression)' : ''}`, peek().at);
    p++;
  };
  let depth = 0;
  const binary = (next: () => Node, ops: string[]) => (): Node => {
    let a = next();
    while (peek().k === 'op' && ops.includes(peek().v)) {
      const { v: op, at } = toks[p++]!;
      a = { t: 'binary', op, a, b: next(), at };
    }
    return a;
  };
  const primary = (): Node => {
    const tk = peek();
    if (tk.k === 'num') { p++; return { t: 'lit', v: Number(tk.v) }; }
    if (tk.k === 'str') { p++; return { t: 'lit', v: tk.v }; }
    if (tk.k === 'id') {
      p++;
      if (tk.v === 'true') return { t: 'lit', v: true };
      if (tk.v === 'false') return { t: 'lit', v: false };
      if (tk.v === 'null' || tk.v === 'undefined') return { t: 'lit', v: undefined };
      return { t: 'name', name: tk.v, at: tk.at };
    }
    if (isOp('(')) {
      p++;
      const e = or();
      expect(')');
      return e;
    }
    throw new ExprError(tk.k === 'end' ? `the expression ends where a value was expected (at ${tk.at + 1})` : `expected a value at ${tk.at + 1}, found "${tk.v}"`, tk.at);
  };
  const postfix = (): Node => {
    let e = primary();
    for (;;) {
      if (isOp('.')) {
        const at = peek().at;
        p++;
        const id = peek();
        if (id.k !== 'id') throw new ExprError(`expected a field name after "." at ${id.at + 1}`, id.at);
        p++;
        e = { t: 'member', obj: e, key: { t: 'lit', v: id.v }, at };
      } else if (isOp('[')) {
        const at = peek().at;
        p++;
        const key = or();
        expect(']');
        e = { t: 'member', obj: e, key, at };
      } else return e;
    }
  };
  const unary = (): Node => {
    if (isOp('!') || isOp('-')) {
      const op = toks[p++]!.v as '!' | '-';
      if (++depth > 100) throw new ExprError('the expression nests too deep', peek().at);
      const arg = unary();
      depth--;
      return { t: 'unary', op, arg };
    }
    return postfix();
  };
  const mul = binary(unary, ['*', '/', '%']);
  const add = binary(mul, ['+', '-']);
  const cmp = (): Node => {
    const a = add();
    if (peek().k === 'op' && ['==', '!=', '<', '<=', '>', '>=', 'contains', 'matches'].includes(peek().v)) {
      const { v: op, at } = toks[p++]!;
      return { t: 'binary', op, a, b: add(), at };
    }
    return a;
  };
  const and = binary(cmp, ['&&']);
  function or(): Node {
    if (++depth > 100) throw new ExprError('the expression nests too deep', peek().at);
    const e = binary(and, ['||'])();
    depth--;
    return e;
  }
  if (peek().k === 'end') throw new ExprError('the expression is empty', 0);
  const e = or();
  if (peek().k !== 'end') throw new ExprError(`unexpected "${peek().v}" at ${peek().at + 1}`, peek().at);
  return e;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function member(obj: unknown, key: unknown, at: number): unknown {
  if (obj === undefined || obj === null) return undefined;
  if (typeof key !== 'string' && typeof key !== 'number') throw new ExprError(`a field name must be a string or a number (at ${at + 1})`, at);
  const k = String(key);
  if (FORBIDDEN.has(k)) return undefined;
  if (typeof obj === 'string') return k === 'length' ? obj.length : /^\d+$/.test(k) ? obj[Number(k)] : undefined;
  if (typeof obj !== 'object') return undefined;
  return Object.prototype.hasOwnProperty.call(obj, k) ? (obj as Record<string, unknown>)[k] : undefined;
}

function truthy(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : !!v;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === '==') return a === b || (a == null && b == null);
  if (op === '!=') return !(a === b || (a == null && b == null));
  // Ordering only between numbers, or between strings: anything else (a missing field) is false.
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return false;
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    default: return a >= b;
  }
}

// Patterns run on RE2 (re2js, pure JavaScript): time linear in the text, whatever the pattern. The
// language's own RegExp backtracks: "^(a+)+$" over a prompt of 34 "a" and a "!" never ended.
const regexCache = new Map<string, RE2JS>();

function pattern(src: string, at: number): RE2JS {
  let re = regexCache.get(src);
  if (re) return re;
  if (src.length > MAX_PATTERN) throw new ExprError(`the pattern is ${src.length} characters; at most ${MAX_PATTERN} (at ${at + 1})`, at);
  try { re = RE2JS.compile(src, RE2JS.CASE_INSENSITIVE); } catch (e) {
    throw new ExprError(`not a regular expression in RE2 syntax, which has no back-references or look-around: ${(e as Error).message} (at ${at + 1})`, at);
  }
  if (regexCache.size > 200) regexCache.clear();
  regexCache.set(src, re);
  return re;
}

/**
 * Evaluates a parsed expression against the names of `scope` (its own properties), within
 * EVAL_BUDGET_MS: past it, an ExprError says the expression took too long.
 */
export function evaluate(node: Node, scope: Record<string, unknown>): unknown {
  deadline = Date.now() + EVAL_BUDGET_MS;
  try {
    return run(node, scope);
  } finally {
    deadline = Infinity;
  }
}

function run(node: Node, scope: Record<string, unknown>): unknown {
  switch (node.t) {
    case 'lit': return node.v;
    case 'name':
      if (!Object.prototype.hasOwnProperty.call(scope, node.name)) {
        throw new ExprError(`unknown name "${node.name}" (at ${node.at + 1}); a step has ${Object.keys(scope).join(', ')}`, node.at);
      }
      return scope[node.name];
    case 'member': return member(run(node.obj, scope), run(node.key, scope), node.at);
    case 'unary': {
      const v = run(node.arg, scope);
      if (node.op === '!') return !truthy(v);
      return typeof v === 'number' ? -v : undefined;
    }
    case 'binary': {
      if (node.op === '&&') { const a = run(node.a, scope); return truthy(a) ? run(node.b, scope) : a; }
      if (node.op === '||') { const a = run(node.a, scope); return truthy(a) ? a : run(node.b, scope); }
      const a = run(node.a, scope), b = run(node.b, scope);
      checkBudget(node.at);
      switch (node.op) {
        case 'contains': {
          // (Linear in the text, as is a match: the budget is checked again once it is done.)
          const v = typeof a === 'string' ? typeof b === 'string' && a.toLowerCase().includes(b.toLowerCase()) : Array.isArray(a) && a.includes(b);
          checkBudget(node.at);
          return v;
        }
        case 'matches': {
          if (typeof b !== 'string') throw new ExprError(`"matches" needs a pattern string on its right (at ${node.at + 1})`, node.at);
          const re = pattern(b, node.at);
          const v = typeof a === 'string' && re.matcher(a).find();
          checkBudget(node.at);
          return v;
        }
        case '+':
          if (typeof a === 'number' && typeof b === 'number') return a + b;
          if (typeof a === 'string' || typeof b === 'string') return `${a ?? ''}${b ?? ''}`;
          return undefined;
        case '-': case '*': case '/': case '%':
          if (typeof a !== 'number' || typeof b !== 'number') return undefined;
          return node.op === '-' ? a - b : node.op === '*' ? a * b : node.op === '/' ? a / b : a % b;
        default: return compare(node.op, a, b);
      }
    }
  }
}

/** The step fields an expression reads (names at its top level: `input` of `input[0].parts`). */
export function namesIn(node: Node, out = new Set<string>()): Set<string> {
  switch (node.t) {
    case 'name': out.add(node.name); break;
    case 'member': namesIn(node.obj, out); namesIn(node.key, out); break;
    case 'unary': namesIn(node.arg, out); break;
    case 'binary': namesIn(node.a, out); namesIn(node.b, out); break;
  }
  return out;
}

/** A condition compiled once, tested on many steps. */
export function compileCondition(src: string | Node): (scope: Record<string, unknown>) => boolean {
  const node = typeof src === 'string' ? parseExpr(src) : src;
  return (scope) => truthy(evaluate(node, scope));
}

/** `*` matches any run of characters; the rest is literal, case-insensitive. */
export function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
}

/**
 * A hit condition as VS Code's debuggers take it: `5` or `== 5` (the fifth hit), `>= 5`, `> 5`,
 * `< 5`, `<= 5`, `% 5` (every fifth).
 */
export function compileHitCondition(src: string): (hits: number) => boolean {
  const m = /^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$/.exec(src);
  if (!m) throw new ExprError(`a hit count is a number with an optional ==, >=, >, <=, < or % before it (got "${src}")`, 0);
  const n = Number(m[2]);
  switch (m[1]) {
    case '>=': return (h) => h >= n;
    case '>': return (h) => h > n;
    case '<=': return (h) => h <= n;
    case '<': return (h) => h < n;
    case '%': if (n === 0) throw new ExprError('"% 0" never matches: use % 1 or more', 0); return (h) => h % n === 0;
    default: return (h) => h === n;
  }
}
