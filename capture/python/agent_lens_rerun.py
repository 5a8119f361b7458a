# Agent Lens: Re-run From Here, in the user's Python app (issue 26). Loaded by sitecustomize.py
# when AGENT_LENS_RERUN_FILE names a re-run plan (GET /api/traces/{id}/rerun): the app's model
# calls are answered from the recording, in order, while each asks what the recorded call asked;
# the first call that asks something else, and every call after the recorded ones, goes to the
# model. Calls are taken where they leave the process: httpx's Client.send and AsyncClient.send,
# which the openai and anthropic SDKs (and the frameworks built on them) send through.
#
# An answer from the recording is the provider's own format (JSON, or its event stream when the
# app asked for one), so the SDK reads it as the model's. The call's span (the instrumentation's,
# current around the request) says where its answer came from (agent_lens.replayed_from: it cost
# nothing); sitecustomize names the run re-run on every GenAI span (agent_lens.rerun_of).
# AGENT_LENS_RERUN_REPORT, when set, gets a JSON line per call, as the Node helper writes it.
#
# The comparison is the Node helper's (src/protocol/replay.ts requestTranscript): the system
# prompt, each message's text, each tool call and each tool result, in order; ids, parameters
# and the tools offered are left out.
#
# It must never break the app: a plan that cannot be read leaves every call to the model, and
# stderr says why; a failure of its own sends the call to the model. Standard library only.
import json
import os
import re
import sys
import threading

_FORMATS = [(re.compile(r"/chat/completions/?$"), "openai.chat"), (re.compile(r"/responses/?$"), "openai.responses"),
            (re.compile(r"/messages/?$"), "anthropic.messages")]


def _log(line):
    try:
        sys.stderr.write("agent-lens %s\n" % line)
    except Exception:
        pass


def _squash(s):
    return re.sub(r"\s+", " ", s).strip()


def _stable(v):
    if isinstance(v, list):
        return "[" + ",".join(_stable(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + _stable(v[k]) for k in sorted(v, key=str)) + "}"
    return json.dumps(v, ensure_ascii=False)


def _canon(v):
    if isinstance(v, str):
        t = v.strip()
        if t.startswith("{") or t.startswith("["):
            try:
                return _stable(json.loads(t))
            except ValueError:
                pass
        return _squash(v)
    return _stable(v)


def _text_of(c):
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        return "".join(p if isinstance(p, str) else (p.get("text") if isinstance(p, dict) and isinstance(p.get("text"), str) else "") for p in c)
    return ""


def transcript(fmt, body):
    """What a request asks, as lines to compare (see the file's head)."""
    out = []

    def text(role, c):
        t = _squash(_text_of(c))
        if t:
            out.append("%s: %s" % (role, t))

    def call(name, args):
        out.append("call %s %s" % (name, _canon(args)))

    def result(c):
        out.append("result %s" % _canon(c if isinstance(c, str) else (_text_of(c) if isinstance(c, list) else c)))

    dicts = lambda xs: [x for x in xs if isinstance(x, dict)] if isinstance(xs, list) else []
    if fmt == "openai.chat":
        for m in dicts(body.get("messages")):
            role = "system" if m.get("role") == "developer" else str(m.get("role"))
            if role == "tool":
                result(m.get("content"))
                continue
            text(role, m.get("content"))
            for c in dicts(m.get("tool_calls")):
                f = c.get("function") if isinstance(c.get("function"), dict) else {}
                call(f.get("name"), f.get("arguments"))
    elif fmt == "openai.responses":
        if body.get("instructions") is not None:
            text("system", body.get("instructions"))
        items = [{"role": "user", "content": body["input"]}] if isinstance(body.get("input"), str) else dicts(body.get("input"))
        for i in items:
            if i.get("type") == "function_call":
                call(i.get("name"), i.get("arguments"))
            elif i.get("type") == "function_call_output":
                result(i.get("output"))
            elif isinstance(i.get("role"), str):
                text("system" if i["role"] == "developer" else i["role"], i.get("content"))
    else:
        if body.get("system") is not None:
            text("system", body.get("system"))
        for m in dicts(body.get("messages")):
            if isinstance(m.get("content"), str):
                text(str(m.get("role")), m["content"])
                continue
            for b in dicts(m.get("content")):
                if b.get("type") == "text":
                    text(str(m.get("role")), b.get("text"))
                elif b.get("type") == "tool_use":
                    call(b.get("name"), b.get("input"))
                elif b.get("type") == "tool_result":
                    result(b.get("content"))
    return out


def difference(recorded, now):
    def cut(s):
        return "(nothing)" if s is None else json.dumps(s[:120] + "…" if len(s) > 120 else s, ensure_ascii=False)

    for i in range(max(len(recorded), len(now))):
        a = recorded[i] if i < len(recorded) else None
        b = now[i] if i < len(now) else None
        if a != b:
            return "at part %d of the conversation: recorded %s, now %s" % (i + 1, cut(a), cut(b))
    return None


class Rerun(object):
    def __init__(self, plan, report):
        self.plan = plan
        self.trace_id = plan.get("traceId")
        self.calls = plan.get("calls") or []
        self.report = report
        self.n = 0
        self.diverged = False
        self.said_live = False
        self.lock = threading.Lock()

    def write(self, line):
        if not self.report:
            return
        try:
            with open(self.report, "a") as f:
                f.write(json.dumps(line) + "\n")
        except Exception:
            pass

    def decide(self, url_path, body):
        """(call number, the recorded call or None, why it goes to the model)."""
        with self.lock:
            k = self.n
            self.n += 1
            if self.diverged:
                return k, None, "an earlier call asked something else than the recording"
            if k >= len(self.calls):
                if not self.said_live:
                    self.said_live = True
                    _log("re-run: model call %d and the calls after it go to the model%s" % (
                        k + 1, " (the recording answered calls 1–%d)" % len(self.calls) if self.calls else ""))
                return k, None, "the recording has no more model calls" if self.plan.get("allRecorded") else "the re-run is live from here"
            recorded = self.calls[k]
            fmt = next((f for r, f in _FORMATS if r.search(url_path)), None)
            if fmt is None or fmt not in (recorded.get("answers") or {}):
                differs = "it is a %s request, and the recording's answer is not in that format" % (fmt or url_path)
            else:
                differs = difference(transcript(recorded.get("format"), recorded.get("request") or {}), transcript(fmt, body))
            if differs:
                self.diverged = True
                _log("re-run: model call %d asks something else than the recording (%s); it and the calls after it go to the model" % (k + 1, differs))
                return k, None, "it asks something else than the recording: %s" % differs
            return k, (recorded, fmt), None


def _current_ids():
    try:
        from opentelemetry import trace

        span = trace.get_current_span()
        sc = span.get_span_context()
        if sc and sc.is_valid:
            return span, format(sc.trace_id, "032x"), format(sc.span_id, "016x")
    except Exception:
        pass
    return None, None, None


def _model_call(request):
    """(url path, body) when the request is a POST of JSON with a model to a model path."""
    if request.method != "POST":
        return None
    path = request.url.path
    if not any(r.search(path) for r, _ in _FORMATS):
        return None
    body = json.loads(request.content.decode("utf-8"))
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return None
    return path, body


def _answer(httpx, request, recorded, fmt, body):
    a = recorded["answers"][fmt]
    headers = {"x-agent-lens-replayed-from": str(recorded.get("spanId"))}
    if body.get("stream") is not True:
        headers["content-type"] = "application/json"
        return httpx.Response(200, headers=headers, content=json.dumps(a["body"]).encode("utf-8"), request=request)
    usage = isinstance(body.get("stream_options"), dict) and body["stream_options"].get("include_usage") is True
    text = "".join(("event: %s\n" % e["event"] if e.get("event") else "") + "data: %s\n\n" % e["data"]
                   for e in a["stream"] if not e.get("usageChunk") or usage)
    headers["content-type"] = "text/event-stream"
    return httpx.Response(200, headers=headers, content=text.encode("utf-8"), request=request)


def _take(rr, httpx, request):
    """The recorded answer for this request, or None (it goes to the model)."""
    try:
        found = _model_call(request)
    except Exception:
        found = None
    if found is None:
        return None
    path, body = found
    span, trace_id, span_id = _current_ids()
    try:
        k, hit, why = rr.decide(path, body)
    except Exception as e:
        rr.diverged = True
        _log("re-run: answering a model call from the recording failed (%s); it and the calls after it go to the model" % e)
        return None
    if hit is None:
        rr.write({"call": k + 1, "traceId": trace_id, "spanId": span_id, "answeredBy": "model", "why": why})
        return None
    recorded, fmt = hit
    try:
        response = _answer(httpx, request, recorded, fmt, body)
    except Exception as e:
        rr.diverged = True
        _log("re-run: answering model call %d from the recording failed (%s); it and the calls after it go to the model" % (k + 1, e))
        rr.write({"call": k + 1, "traceId": trace_id, "spanId": span_id, "answeredBy": "model", "why": "the helper failed"})
        return None
    if span is not None:
        try:
            span.set_attribute("agent_lens.replayed_from", "%s/%s" % (rr.trace_id, recorded.get("spanId")))
        except Exception:
            pass
    rr.write({"call": k + 1, "traceId": trace_id, "spanId": span_id, "answeredBy": "recording", "recordedSpanId": recorded.get("spanId")})
    return response


def hook_httpx(rr, httpx):
    """httpx's Client.send and AsyncClient.send answer from the recording first (once per class)."""
    sync_send = getattr(getattr(httpx, "Client", None), "send", None)
    if sync_send is not None and not getattr(sync_send, "_agent_lens", False):
        def send(self, request, *args, **kwargs):
            r = _take(rr, httpx, request)
            return r if r is not None else sync_send(self, request, *args, **kwargs)

        send._agent_lens = True
        send.__wrapped__ = sync_send
        httpx.Client.send = send
    async_send = getattr(getattr(httpx, "AsyncClient", None), "send", None)
    if async_send is not None and not getattr(async_send, "_agent_lens", False):
        async def asend(self, request, *args, **kwargs):
            r = _take(rr, httpx, request)
            return r if r is not None else await async_send(self, request, *args, **kwargs)

        asend._agent_lens = True
        asend.__wrapped__ = async_send
        httpx.AsyncClient.send = asend


def start_from_environment():
    """The re-run of AGENT_LENS_RERUN_FILE, or None (said on stderr) when there is none to follow."""
    path = os.environ.get("AGENT_LENS_RERUN_FILE")
    if not path:
        return None
    try:
        with open(path, "r", encoding="utf-8") as f:
            plan = json.load(f)
        if not isinstance(plan, dict) or not isinstance(plan.get("calls"), list):
            raise ValueError("it holds no model calls")
    except Exception as e:
        _log("re-run: cannot read the plan %s (%s); every model call goes to the model" % (path, e))
        return None
    calls = plan["calls"]
    _log("re-run of %s: %d model call%s answered from the recording, %s" % (
        plan.get("traceId"), len(calls), "" if len(calls) == 1 else "s",
        "none sent to the model while they match" if plan.get("allRecorded") else "then the model"))
    return Rerun(plan, os.environ.get("AGENT_LENS_RERUN_REPORT") or None)
