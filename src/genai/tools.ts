// A tool step's content: its arguments and result from the span's attributes in each schema's keys,
// or from its own messages where a framework puts them there.
import type { GenAiView, Message } from '../protocol';
import { type Attrs, getStr } from './attrs';
import { jsonValue, type Notes } from './messages';

/** traceloop.entity.input is {"args":[…],"kwargs":{…}}: the arguments are the kwargs, or the args. */
export function traceloopArgs(v: string | undefined): unknown {
  const j = jsonValue(v);
  if (!j || typeof j !== 'object' || Array.isArray(j)) return j;
  const o = j as { args?: unknown[]; kwargs?: Record<string, unknown> };
  if (!('args' in o) && !('kwargs' in o)) return j;
  const hasArgs = Array.isArray(o.args) && o.args.length > 0;
  const hasKw = o.kwargs && Object.keys(o.kwargs).length > 0;
  if (hasArgs && hasKw) return { args: o.args, kwargs: o.kwargs };
  return hasArgs ? (o.args!.length === 1 ? o.args![0] : o.args) : o.kwargs ?? {};
}

/** A tool step's arguments and result from its span's attributes, in every schema's keys. */
export function readTool(view: GenAiView, a: Attrs): void {
  let args: unknown;
  let result: unknown;
  const cur = getStr(a, 'gen_ai.tool.call.arguments') ?? getStr(a, 'ai.toolCall.args') ?? getStr(a, 'ai.toolCall.input');
  if (cur !== undefined) args = jsonValue(cur);
  else if (a.has('traceloop.entity.input')) args = traceloopArgs(getStr(a, 'traceloop.entity.input'));
  else if (view.schema === 'openinference') args = jsonValue(getStr(a, 'input.value'));
  const res = getStr(a, 'gen_ai.tool.call.result') ?? getStr(a, 'ai.toolCall.result') ?? getStr(a, 'ai.toolCall.output')
    ?? getStr(a, 'traceloop.entity.output') ?? (view.schema === 'openinference' ? getStr(a, 'output.value') : undefined);
  if (res !== undefined) result = unwrapToolMessage(jsonValue(res));
  if (args !== undefined) view.toolArguments = args;
  if (result !== undefined) view.toolResult = result;
}

/** LangChain's ToolMessage as OpenInference records a tool's output ({type: "tool", data: {content}}): its content. */
function unwrapToolMessage(v: unknown): unknown {
  if (!v || typeof v !== 'object' || (v as { type?: unknown }).type !== 'tool') return v;
  const data = (v as { data?: { content?: unknown } }).data ?? (v as { content?: unknown });
  return data && typeof data === 'object' && 'content' in data ? jsonValue(data.content) : v;
}

/**
 * A tool step whose attributes hold no arguments or result may carry them as messages (Strands:
 * a `gen_ai.tool.message` event with the arguments and a `gen_ai.choice` with the result; in its
 * latest mode a `tool_call` part in, a `tool_call_response` part out). Read from there, and said so.
 */
export function toolContentFromMessages(view: GenAiView, n: Notes): void {
  const parts = (ms: Message[] | undefined) => (ms ?? []).flatMap((m) => m.parts.map((p) => ({ role: m.role, p })));
  if (view.toolArguments === undefined) {
    for (const { role, p } of parts(view.inputMessages)) {
      // A tool_call part; or (Strands' default mode) the tool's own input as a role "tool" message.
      const args = p.type === 'tool_call' ? (p as { arguments?: unknown }).arguments
        : role === 'tool' && p.type === 'tool_call_response' ? (p as { response?: unknown }).response : undefined;
      if (args !== undefined) { view.toolArguments = args; n.notes.push("arguments read from the tool span's input message"); break; }
    }
  }
  if (view.toolResult === undefined) {
    for (const { p } of parts(view.outputMessages)) {
      const result = p.type === 'tool_call_response' ? (p as { response?: unknown }).response
        : p.type === 'text' ? jsonValue((p as { content: string }).content) : undefined;
      if (result !== undefined) { view.toolResult = result; n.notes.push("result read from the tool span's output message"); break; }
    }
  }
}
