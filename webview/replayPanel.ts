// What if, in the page (issue 26; the editor opens a JSON document instead, src/vscode/replayCall.ts):
// a model call as the request its provider received, in a text area; what a provider would reject
// listed with where it is, checked as it is edited; the estimated cost; Send posts it to the trace
// server, which calls the provider with the keys of its own environment and records the answer as
// a new run, linked here.
import type { Host } from './transport';
import { checkRequest, type ModelRequestResponse, type RequestFormat } from '../src/protocol';
import { h } from './dom';
import { fmtUsdExact } from './format';

export function replayPanel(into: HTMLElement, host: Host, traceId: string, spanId: string, openRun?: (traceId: string) => void): void {
  into.replaceChildren(h('p', { class: 'muted' }, 'Rebuilding the request…'));
  void host.request('getModelRequest', { traceId, spanId }).then((r) => show(into, host, traceId, spanId, r, openRun), (e: Error) => {
    into.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, e.message));
  });
}

function show(into: HTMLElement, host: Host, traceId: string, spanId: string, r: ModelRequestResponse, openRun?: (traceId: string) => void): void {
  const format: RequestFormat = r.request.format;
  const text = h('textarea', { class: 'replay-request', spellcheck: 'false', 'aria-label': 'The request to send (JSON)', rows: '18' }) as HTMLTextAreaElement;
  text.value = JSON.stringify(r.request.body, null, 2);
  const problems = h('ul', { class: 'replay-problems', 'aria-live': 'polite' });
  const send = h('button', { class: 'chip replay-send', type: 'button' }, 'Send') as HTMLButtonElement;
  // Where it goes: the recording's endpoint, or one typed (a proxy, a local model server).
  const endpoint = h('input', { class: 'replay-endpoint', type: 'url', 'aria-label': 'The endpoint\'s base URL', size: '40', spellcheck: 'false' }) as HTMLInputElement;
  endpoint.value = r.request.baseUrl;
  const result = h('div', { class: 'replay-result', 'aria-live': 'polite' });
  const check = () => {
    let body: unknown;
    try { body = JSON.parse(text.value); } catch (e) {
      problems.replaceChildren(h('li', { class: 'error-text' }, `Not JSON: ${(e as Error).message}`));
      send.disabled = true;
      return undefined;
    }
    const found = checkRequest(format, body);
    problems.replaceChildren(...found.map((p) => h('li', { class: p.severity === 'error' ? 'error-text' : 'muted' }, p.at ? h('code', null, p.at) : null, p.at ? ': ' : '', p.message)));
    send.disabled = found.some((p) => p.severity === 'error');
    return send.disabled ? undefined : body;
  };
  text.addEventListener('input', check);
  send.addEventListener('click', () => {
    const body = check();
    if (body === undefined) return;
    send.disabled = true;
    const to = endpoint.value.trim() || r.request.baseUrl;
    result.replaceChildren(h('p', { class: 'muted' }, `Sending to ${to}…`));
    void host.request('replayModelCall', { traceId, spanId, request: body, ...(to !== r.request.baseUrl ? { baseUrl: to } : {}) }).then((out) => {
      const link = h('button', { class: 'link replay-open', type: 'button' }, 'open the new run');
      link.addEventListener('click', () => openRun?.(out.traceId));
      result.replaceChildren(
        h('p', null, `Answered (${out.usage.input + out.usage.cacheRead} tokens in, ${out.usage.output} out, ${out.costUsd === null ? 'no price known' : fmtUsdExact(out.costUsd)}): `, openRun ? link : h('code', null, out.traceId)),
        h('pre', { class: 'replay-answer' }, out.output.text || out.output.toolCalls.map((c) => `→ ${c.name}(${c.arguments})`).join('\n')));
      send.disabled = false;
    }, (e: Error) => {
      result.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, e.message));
      send.disabled = false;
    });
  });
  const e = r.estimate;
  into.replaceChildren(
    h('p', { class: 'muted' }, `${format} to ${r.request.baseUrl}${r.request.path} · about ${e.usd === null ? '(no price known)' : fmtUsdExact(e.usd)} · ${e.inputTokens} tokens in, ${e.outputTokens} out (${e.basis}) · keys: the trace server's environment`),
    ...r.request.missing.map((m) => h('p', { class: 'muted' }, `The recording does not have ${m}.`)),
    text, problems, h('p', null, send, ' to ', endpoint, h('span', { class: 'muted' }, ` + ${r.request.path}`)), result);
  check();
}
