// Step detail: the selected span as a developer reads it. The conversation as a transcript, tool
// calls with their arguments and results, tokens and cost with where the price came from, errors
// with their stack, and every raw attribute, event, log record and the resource, copyable.
import { evaluationsView, feedbackView } from './quality';
import { replayPanel } from './replayPanel';
import type { Host } from './transport';
import type { AnyValue, ApiLog, ApiSpan, KeyValue, Message, MessagePart, SourceLocation, SpanDetailResponse, ToolCallLink } from '../src/protocol';
import { copyButton, h, visible } from './dom';
import { jsonText, jsonView, longText } from './jsonView';
import { KIND_LABEL, OTLP_KIND, definitionTarget, durationMs, fmtMs, fmtUsdExact, msOfNanos } from './format';

export interface DetailContext {
  /** Opens another span of the same run (a linked tool call). */
  select(spanId: string): void;
  /** Opens a code location in the editor (absent in a browser tab: the location is shown to copy). */
  openSource?(loc: SourceLocation): void;
  /** Finds and opens a tool's, agent's or prompt's definition in the editor (absent in a browser tab). */
  openDefinition?(kind: 'tool' | 'agent' | 'prompt', name: string): void;
  /** Where a tool or an agent is defined: the run's own files first, then the workspace (editor only). */
  findDefinition?(kind: 'tool' | 'agent', name: string): Promise<SourceLocation | undefined>;
  /** For feedback (absent: no thumbs). */
  host?: Host;
  /** Moves the editor's replay debugger to this step (editor only). */
  runToStep?(spanId: string): void;
  /** Opens a model call as its request in the editor (editor only; without it, the page edits it). */
  replayInEditor?(spanId: string): void;
  /** Starts the app again from this step (editor only; without it, the page shows the command line that does). */
  rerunInEditor?(spanId: string): void;
  /** A run opened by the page (a replay's new run). */
  openRun?(traceId: string): void;
  /** A span's display name, for links. */
  nameOf(spanId: string): string | undefined;
}

/** An OTLP AnyValue as plain JS for display (int64 stays a string when it exceeds 2^53). */
export function anyJs(v: AnyValue | undefined): unknown {
  if (!v) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) { const n = Number(v.intValue); return Number.isSafeInteger(n) ? n : v.intValue; }
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyJs);
  if ('kvlistValue' in v) { const o: Record<string, unknown> = {}; for (const kv of v.kvlistValue.values ?? []) o[kv.key] = anyJs(kv.value); return o; }
  if ('bytesValue' in v) return `base64:${v.bytesValue}`;
  return null;
}

function section(title: string, ...body: (Node | string | null | undefined | false)[]): HTMLElement {
  return h('section', { class: 'd-section', 'aria-label': title }, h('h3', null, title), ...body);
}

function kvTable(kvs: readonly KeyValue[], label: string): HTMLElement {
  if (!kvs.length) return h('p', { class: 'muted' }, 'none');
  const rows = kvs.map((kv) => {
    const v = anyJs(kv.value);
    const text = typeof v === 'string' ? v : jsonText(v);
    const cell = typeof v === 'object' && v !== null ? jsonView(v) : typeof v === 'string' ? jsonOrText(v) : h('span', { class: 'j-num' }, String(v));
    return h('tr', null,
      h('th', { scope: 'row', class: 'k' }, visible(kv.key)),
      h('td', { class: 'v' }, cell),
      h('td', { class: 'c' }, copyButton(() => text, `Copy ${kv.key}`)));
  });
  return h('table', { class: 'kv', 'aria-label': label }, h('tbody', null, ...rows));
}

/** A string attribute: JSON shown as a tree, anything else as text. */
function jsonOrText(s: string): HTMLElement {
  const t = s.trimStart();
  if ((t.startsWith('{') || t.startsWith('[')) && s.length < 2_000_000) {
    try { JSON.parse(s); return jsonView(s); } catch { /* text */ }
  }
  return longText(s, 'plain');
}

function linkTo(ctx: DetailContext, spanId: string, prefix: string): HTMLElement {
  const name = ctx.nameOf(spanId) ?? spanId;
  return h('button', { class: 'link', type: 'button', 'data-span': spanId, onclick: () => ctx.select(spanId) }, `${prefix} ${visible(name)}`);
}

function partView(p: MessagePart, links: readonly ToolCallLink[], ctx: DetailContext, spanId: string): HTMLElement {
  switch (p.type) {
    case 'text': return h('div', { class: 'part text' }, longText(String((p as { content: unknown }).content ?? ''), 'msg-text'));
    case 'reasoning': {
      const d = h('details', { class: 'part reasoning' }, h('summary', null, 'reasoning'), longText(String((p as { content: unknown }).content ?? ''), 'msg-text'));
      return d;
    }
    case 'tool_call': {
      const c = p as { id?: string; name: string; arguments?: unknown };
      const link = links.find((l) => l.llmSpanId === spanId && (c.id ? l.toolCallId === c.id : l.name === c.name));
      return h('div', { class: 'part tool-call' },
        h('div', { class: 'tc-head' }, h('span', { class: 'tc-label' }, 'tool call '), h('strong', { class: 'tool-name' }, visible(String(c.name))),
          c.id ? h('span', { class: 'muted' }, ` ${visible(c.id)}`) : null,
          link ? linkTo(ctx, link.toolSpanId, ' → ran in') : null,
          copyButton(() => jsonText(c.arguments), 'Copy arguments')),
        c.arguments === undefined ? h('span', { class: 'muted' }, 'no arguments recorded') : jsonView(c.arguments));
    }
    case 'tool_call_response': {
      const r = p as { id?: string; response?: unknown };
      return h('div', { class: 'part tool-result' },
        h('div', { class: 'tc-head' }, h('span', { class: 'tc-label' }, 'tool result'), r.id ? h('span', { class: 'muted' }, ` ${visible(r.id)}`) : null,
          copyButton(() => jsonText(r.response), 'Copy result')),
        jsonView(r.response));
    }
    default: return h('div', { class: 'part other' }, h('span', { class: 'tc-label' }, visible(String(p.type))), jsonView(p));
  }
}

function messageView(m: Message, links: readonly ToolCallLink[], ctx: DetailContext, spanId: string, where: 'input' | 'output'): HTMLElement {
  const role = String(m.role || 'unknown');
  return h('div', { class: `msg role-${/^[a-z_]+$/.test(role) ? role : 'other'} ${where}`, role: 'article', 'aria-label': `${role} message` },
    h('div', { class: 'msg-head' }, h('span', { class: 'role' }, visible(role)), m.name ? h('span', { class: 'muted' }, ` ${visible(m.name)}`) : null,
      m.finish_reason ? h('span', { class: 'finish' }, `finish: ${visible(m.finish_reason)}`) : null),
    ...m.parts.map((p) => partView(p, links, ctx, spanId)));
}

function tokenTable(s: ApiSpan): HTMLElement | null {
  const g = s.genai!;
  const u = g.usage;
  if (!u) return null;
  const rows: [string, number][] = [['input', u.input], ['output', u.output], ['cache read', u.cacheRead], ['cache write', u.cacheCreation], ['reasoning', u.reasoning]];
  const table = h('table', { class: 'tokens', 'aria-label': 'tokens' },
    h('tbody', null, ...rows.filter(([k, v]) => v > 0 || k === 'input' || k === 'output').map(([k, v]) =>
      h('tr', null, h('th', { scope: 'row' }, k), h('td', { class: 'num', 'data-tokens': k }, v.toLocaleString('en-US'))))));
  return table;
}

function costView(s: ApiSpan): HTMLElement | null {
  const c = s.genai?.cost;
  if (!c) return null;
  // Unknown, it says once what is unknown (the note names the model); known, where the price came from.
  const head = c.usd === null
    ? h('p', { class: 'cost-total' }, h('strong', { 'data-cost': 'null' }, 'price unknown'), c.note ? h('span', { class: 'muted' }, `: ${c.note}`) : null)
    : h('p', { class: 'cost-total' }, h('strong', { 'data-cost': String(c.usd) }, fmtUsdExact(c.usd)),
      h('span', { class: 'muted' }, ` · ${c.source}${c.provider ? ` · ${c.provider}/${c.model}` : ''}`));
  const lines = c.lines.length ? h('table', { class: 'cost-lines', 'aria-label': 'cost lines' },
    h('thead', null, h('tr', null, h('th', null, 'tokens'), h('th', null, 'count'), h('th', null, '$ / M'), h('th', null, 'USD'))),
    h('tbody', null, ...c.lines.map((l) => h('tr', null, h('td', null, l.tokenClass.replace('_', ' ')), h('td', { class: 'num' }, l.tokens.toLocaleString('en-US')),
      h('td', { class: 'num' }, String(l.usdPerMillion)), h('td', { class: 'num' }, fmtUsdExact(l.usd)))))) : null;
  const notes = c.lines.filter((l) => l.note).map((l) => h('p', { class: 'muted' }, l.note!));
  return h('div', { class: 'cost' }, head, lines, c.note && c.usd !== null ? h('p', { class: 'muted' }, c.note) : null, ...notes);
}

function errorView(s: ApiSpan): HTMLElement | null {
  const exc = s.events.filter((e) => e.name === 'exception');
  if (s.status.code !== 2 && !s.genai?.error && !exc.length) return null;
  const attr = (kvs: KeyValue[], k: string) => { const v = anyJs(kvs.find((x) => x.key === k)?.value); return v === null || v === undefined ? '' : String(v); };
  // Said once: the status message, error.type and the exception often carry the same text.
  const excSaid = new Set(exc.flatMap((e) => [attr(e.attributes, 'exception.message'), attr(e.attributes, 'exception.type')]).filter(Boolean));
  return section('Error',
    s.status.code === 2 && !(s.status.message && excSaid.has(s.status.message)) ? h('p', { class: 'error-text' }, s.status.message || 'status: error') : null,
    s.genai?.error && s.genai.error !== s.status.message && !excSaid.has(s.genai.error) ? h('p', null, 'error.type: ', h('code', null, visible(s.genai.error))) : null,
    ...exc.map((e) => h('div', { class: 'exception' },
      h('p', null, h('strong', null, visible(attr(e.attributes, 'exception.type') || 'exception')), ' ', attr(e.attributes, 'exception.message')),
      stackOf(attr(e.attributes, 'exception.stacktrace'), attr(e.attributes, 'exception.type'), attr(e.attributes, 'exception.message')))));
}

/** The stack without its "Type: message" line (first in V8's and Java's, last in Python's): said above it. */
function stackOf(stack: string, type: string, message: string): HTMLElement | null {
  if (!stack) return null;
  const lines = stack.replace(/\n+$/, '').split('\n');
  const said = (l: string | undefined) => !!l && !!message && (l.trim() === `${type}: ${message}` || l.trim() === message || l.trim().endsWith(`.${type}: ${message}`));
  if (said(lines[0])) lines.shift(); else if (said(lines[lines.length - 1])) lines.pop();
  return lines.length ? h('pre', { class: 'stack' }, longText(lines.join('\n'), 'plain')) : null;
}

function logsView(logs: readonly ApiLog[], startMs: number): HTMLElement {
  if (!logs.length) return h('p', { class: 'muted' }, 'none');
  return h('div', { class: 'logs' }, ...logs.map((l) => h('details', { class: 'log' },
    h('summary', null, `+${fmtMs(msOfNanos(l.timeUnixNano !== '0' ? l.timeUnixNano : l.observedTimeUnixNano) - startMs)} `, h('span', { class: 'sev' }, l.severityText || String(l.severityNumber || '')), ' ',
      visible(l.eventName || String(anyJs(l.attributes.find((a) => a.key === 'event.name')?.value) ?? '') || 'log')),
    h('div', { class: 'log-body' }, h('h4', null, 'body'), jsonView(anyJs(l.body)), h('h4', null, 'attributes'), kvTable(l.attributes, 'log attributes')))));
}

/** What the detail says for a placeholder: the parent has not arrived, and what that can mean. */
export function pendingParentView(spanId: string, children: number): HTMLElement {
  return h('div', { class: 'pad' }, h('h2', null, 'Parent not arrived yet'),
    h('p', null, `Span ${spanId} is the parent of ${children} span(s) here, but it has not reached the receiver. Parents usually end, and are exported, after their children; if it never comes, the app lost the trace context (an orphaned span) or dropped it.`));
}

/** A file:line chip that opens the location in the editor (text to copy in a browser tab). */
function locationChip(loc: SourceLocation, ctx: DetailContext, how: string, cls = ''): HTMLElement[] {
  const name = loc.path.split(/[/\\]/).pop() ?? loc.path;
  const label = `${name}:${loc.line}${loc.function ? ` ${loc.function}` : ''}`;
  const chip = ctx.openSource
    ? h('button', { class: `chip source ${cls}`, type: 'button', title: `${loc.path}:${loc.line} (${how}): open in the editor` }, visible(label))
    : h('code', { class: `chip source ${cls}`, title: `${loc.path}:${loc.line} (${how})` }, visible(label));
  if (ctx.openSource) chip.addEventListener('click', () => ctx.openSource!(loc));
  return [chip, copyButton(() => `${loc.path}:${loc.line}`, 'Copy location'), h('span', { class: 'muted' }, ` ${how}`)];
}

const howOf = (loc: SourceLocation) => loc.how === 'attribute' ? 'from the span\'s code attributes' : loc.how === 'stack' ? (loc.confidence >= 0.9 ? 'from the call\'s stack' : 'where an exception was raised') : `found by ${loc.how}`;

/**
 * Where the step came from: a file:line chip that opens it in the editor, or why it is unknown. A
 * tool or an agent has two places: where it is defined (the function that implements it, found by
 * name in the workspace; first, since that is what one reads) and where it was called.
 */
function sourceChips(g: NonNullable<ApiSpan['genai']>, ctx: DetailContext): HTMLElement[] {
  const best = g.source?.[0];
  const target = definitionTarget(g);
  const called = best ? h('p', { class: 'd-source' }, target && ctx.findDefinition ? 'Called at: ' : 'Source: ', ...locationChip(best, ctx, howOf(best), 'called-at'))
    : h('p', { class: 'd-source muted' }, 'Source: not known. Run the app from a VS Code terminal or debug session (the call-site helper records it), or set code.file.path and code.line.number on the span.');
  if (!target || !ctx.findDefinition) return [called];
  const defined = h('p', { class: 'd-source defined-at' }, 'Defined at: ', h('span', { class: 'muted' }, 'finding…'));
  void ctx.findDefinition(target[0], target[1]).then((loc) => {
    defined.replaceChildren('Defined at: ', ...(loc ? locationChip(loc, ctx, `the ${target[0]} ${target[1]}, found by name in the workspace`, 'defined-at')
      : [h('span', { class: 'muted' }, `the ${target[0]} ${visible(target[1])} was not found in the workspace's source files`)]));
  }, () => defined.replaceChildren('Defined at: ', h('span', { class: 'muted' }, 'not known')));
  return [defined, called];
}

/** In the editor: find where the tool, the agent, or the model call's system prompt is written. */
function definitionButton(g: NonNullable<ApiSpan['genai']>, open: NonNullable<DetailContext['openDefinition']>): HTMLElement | null {
  const system = g.systemInstructions?.find((p) => p.type === 'text') as { content?: string } | undefined
    ?? g.inputMessages?.find((m) => m.role === 'system')?.parts.find((p) => p.type === 'text') as { content?: string } | undefined;
  const target: ['tool' | 'agent' | 'prompt', string, string] | undefined =
    g.kind === 'tool' && g.toolName ? ['tool', g.toolName, `the tool ${g.toolName}`]
    : g.kind === 'agent' && g.agentName ? ['agent', g.agentName, `the agent ${g.agentName}`]
    : g.kind === 'llm' && system?.content ? ['prompt', system.content, 'the system prompt'] : undefined;
  if (!target) return null;
  const b = h('button', { class: 'chip source', type: 'button', title: 'search the workspace for it' }, `Find ${visible(target[2])}`);
  b.addEventListener('click', () => open(target[0], target[1]));
  return h('p', { class: 'd-source' }, 'Definition: ', b);
}

/** Builds the detail pane for one span. */
export function detailView(d: SpanDetailResponse, ctx: DetailContext): HTMLElement {
  const s = d.span;
  const g = s.genai;
  const startMs = msOfNanos(s.startTimeUnixNano);
  const dur = durationMs(s.startTimeUnixNano, s.endTimeUnixNano);
  const kind = g?.kind ?? 'span';
  const links = g?.toolCalls ?? [];
  const res = d.resources[s.resource];
  const scope = d.scopes[s.scope];
  const out: (HTMLElement | null)[] = [];

  out.push(h('header', { class: 'd-head' },
    h('h2', { tabindex: '-1', id: 'detail-title' }, h('span', { class: `badge k-${kind}` }, KIND_LABEL[kind]), ' ', visible(s.name)),
    h('p', { class: 'd-meta' }, fmtMs(dur), s.status.code === 2 ? h('span', { class: 'err-mark' }, ' · error') : s.status.code === 1 ? ' · ok' : '',
      ` · ${OTLP_KIND[s.kind] ?? s.kind}`, scope?.name ? ` · ${scope.name}${scope.version ? `@${scope.version}` : ''}` : '',
      g ? ` · ${g.schema}` : ''),
    h('p', { class: 'd-ids' }, 'span ', h('code', null, s.spanId), copyButton(() => s.spanId, 'Copy span id'),
      s.parentSpanId ? h('span', null, ' parent ', h('code', null, s.parentSpanId)) : null)));

  if (g) out.push(...sourceChips(g, ctx));
  const def = g && ctx.openDefinition && !((g.kind === 'tool' || g.kind === 'agent') && ctx.findDefinition) ? definitionButton(g, ctx.openDefinition) : null;
  if (def) out.push(def);
  if (ctx.runToStep) {
    const run = h('button', { class: 'chip run-to-step', type: 'button', title: 'Move the replay debugger to this step (starts a replay of this run if none is running)' }, '▷ Run to Step');
    run.addEventListener('click', () => ctx.runToStep!(s.spanId));
    out.push(h('p', { class: 'd-source' }, 'Debugger: ', run));
  }
  if (g && (ctx.replayInEditor || ctx.host)) {
    const where = h('div', { class: 'replay-panel' });
    const replay = g.kind === 'llm' && g.inputMessages
      ? h('button', { class: 'chip replay-call', type: 'button', title: 'Open this call as the request its provider received, edit it, and send it again: the answer is a new run' }, '⟳ Replay…')
      : null;
    replay?.addEventListener('click', () => {
      if (ctx.replayInEditor) return ctx.replayInEditor(s.spanId);
      // (A second click closes the panel; the re-run's command line gives way to it.)
      const open = !!where.querySelector('textarea');
      where.replaceChildren();
      if (!open) replayPanel(where, ctx.host!, s.traceId, s.spanId, ctx.openRun);
    });
    // Re-run from here: the app started again with the recorded answers before this step.
    const rerun = h('button', { class: 'chip rerun-from-here', type: 'button', title: 'Start the app again: the model calls before this step are answered from the recording, this one and the rest by the model' }, '↻ Re-run from here…');
    rerun.addEventListener('click', () => {
      if (ctx.rerunInEditor) return ctx.rerunInEditor(s.spanId);
      // (In a browser: the command line that does it, to copy.)
      const cmd = `npx agent-lens rerun ${s.traceId} --from ${s.spanId} -- <the command that starts your app>`;
      if (where.querySelector('.rerun-command')) { where.replaceChildren(); return; }
      where.replaceChildren(h('p', { class: 'rerun-command' }, h('code', null, cmd), copyButton(() => cmd, 'Copy the command'),
        h('span', { class: 'muted' }, ' (--all instead of --from answers every call from the recording: offline, nothing spent)')));
    });
    out.push(h('p', { class: 'd-whatif' }, 'What if: ', ...(replay ? [replay, ' '] : []), rerun), where);
  }
  if (g?.notes?.length) out.push(h('div', { class: 'notes', role: 'note' }, ...g.notes.map((n) => h('p', null, n))));

  if (g && (g.kind === 'llm' || g.kind === 'embeddings' || g.usage)) {
    const model = g.responseModel && g.requestModel && g.responseModel !== g.requestModel ? `${g.requestModel} → ${g.responseModel}` : g.responseModel ?? g.requestModel ?? 'model unknown';
    out.push(section('Model call',
      h('p', null, g.provider ? `${g.provider} · ` : '', h('strong', null, visible(model)), g.operation ? ` · ${g.operation}` : '',
        g.finishReasons?.length ? ` · finish: ${g.finishReasons.join(', ')}` : '', g.responseId ? h('span', { class: 'muted' }, ` · ${visible(g.responseId)}`) : null),
      tokenTable(s), costView(s),
      g.kind === 'llm' && g.usage && g.countsUsage === false ? h('p', { class: 'muted' }, 'Not counted in the run total: a model call below this span reports the same usage.') : null));
  }

  if (g && (g.systemInstructions || g.inputMessages || g.outputMessages)) {
    const t = h('div', { class: 'transcript', role: 'log', 'aria-label': 'conversation' });
    if (g.systemInstructions?.length) {
      const text = g.systemInstructions.map((p) => ('content' in p ? String(p.content) : jsonText(p))).join('\n');
      t.appendChild(h('details', { class: 'msg role-system', open: text.length < 600 }, h('summary', null, h('span', { class: 'role' }, 'system'),
        text.length >= 600 ? h('span', { class: 'muted' }, ` ${text.length.toLocaleString('en-US')} characters`) : null), longText(text, 'msg-text')));
    }
    for (const m of g.inputMessages ?? []) t.appendChild(messageView(m, links, ctx, s.spanId, 'input'));
    if (g.outputMessages?.length) t.appendChild(h('div', { class: 'divider' }, 'response'));
    for (const m of g.outputMessages ?? []) t.appendChild(messageView(m, links, ctx, s.spanId, 'output'));
    out.push(section('Conversation', t));
  }

  if (g?.kind === 'tool') {
    const from = links.find((l) => l.toolSpanId === s.spanId);
    out.push(section('Tool call',
      h('p', null, h('strong', { class: 'tool-name' }, visible(g.toolName ?? s.name)), g.toolCallId ? h('span', { class: 'muted' }, ` ${visible(g.toolCallId)}`) : null,
        from ? linkTo(ctx, from.llmSpanId, ' ← called by') : null),
      h('h4', null, 'arguments ', g.toolArguments !== undefined ? copyButton(() => jsonText(g.toolArguments), 'Copy arguments') : null),
      g.toolArguments === undefined ? h('p', { class: 'muted' }, 'not recorded') : h('div', { class: 'tool-args' }, jsonView(g.toolArguments)),
      h('h4', null, 'result ', g.toolResult !== undefined ? copyButton(() => jsonText(g.toolResult), 'Copy result') : null),
      g.toolResult === undefined ? h('p', { class: 'muted' }, 'not recorded') : h('div', { class: 'tool-result' }, jsonView(g.toolResult))));
  }

  if (g?.evaluations?.length) out.push(section('Evaluations', evaluationsView(g.evaluations)));
  if (ctx.host) out.push(section('Feedback', feedbackView(ctx.host, s.traceId, s.spanId)));

  out.push(errorView(s));

  const raw = h('div', { class: 'raw' },
    h('details', { open: !g }, h('summary', null, `Attributes (${s.attributes.length})`), kvTable(s.attributes, 'attributes'),
      s.droppedAttributesCount ? h('p', { class: 'muted' }, `${s.droppedAttributesCount} dropped`) : null),
    h('details', null, h('summary', null, `Events (${s.events.length})`), s.events.length ? h('div', null, ...s.events.map((e) => h('div', { class: 'event' },
      h('p', null, `+${fmtMs(msOfNanos(e.timeUnixNano) - startMs)} `, h('strong', null, visible(e.name))), kvTable(e.attributes, `${e.name} attributes`)))) : h('p', { class: 'muted' }, 'none')),
    h('details', null, h('summary', null, `Log records (${d.logs.length})`), logsView(d.logs, startMs)),
    s.links.length ? h('details', null, h('summary', null, `Links (${s.links.length})`), h('ul', null, ...s.links.map((l) => h('li', null, h('code', null, `${l.traceId}/${l.spanId}`))))) : null,
    h('details', null, h('summary', null, 'Resource'), kvTable(res?.attributes ?? [], 'resource attributes')),
    g?.unmappedKeys?.length ? h('p', { class: 'muted' }, `GenAI keys not read by Agent Lens: ${g.unmappedKeys.join(', ')}`) : null);
  out.push(section('Raw span', raw, h('p', null, copyButton(() => JSON.stringify(d, null, 2), 'Copy span as JSON'), ' span as JSON')));
  return h('div', { class: 'detail-body' }, ...out);
}

