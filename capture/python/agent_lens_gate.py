# Agent Lens live gate for Python (issue 25; the protocol is src/protocol/live.ts): loaded by this
# directory's sitecustomize.py when the editor asked for it (AGENT_LENS_LIVE_URL), it lets a live
# debug session stop the app's model and tool calls before they run, look at them, edit them, and
# let them go on.
#
# One persistent loopback WebSocket to the receiver (/live, the receiver's token from the injected
# environment), held by a daemon thread; the receiver pushes the breakpoints (null while no editor
# is attached: then nothing waits and no call makes a round trip). A call a breakpoint names is
# "paused": the gate tells the receiver, and the call waits for the editor's answer:
# - sync code blocks its own thread (threading.Event), other threads run;
# - asyncio code awaits a future set from the gate's thread, so the loop's other tasks run.
#
# Where calls are caught:
# - model calls at the client methods, where the request is the keyword arguments: openai
#   (chat.completions.create, responses.create) and anthropic (messages.create), sync and async,
#   streaming included (the pause is before the call);
# - tools the model asked for, in its answer (OpenAI chat completions, not streamed): their
#   arguments are edited in the answer before the app reads them;
# - the agent frameworks' tools, just before they run, with their arguments by name: the OpenAI
#   Agents SDK's function_tool and Strands' @tool (the function is wrapped as the framework makes
#   it a tool), Pydantic AI's FunctionToolset.call_tool (its validated arguments) and LangChain's
#   BaseTool.run / arun (LangGraph's ToolNode, LangChain agents);
# - tools the app runs in a span of their own (gen_ai.tool.name, or a span named "execute_tool X")
#   where the span starts, in sync code: continue or fail (a span cannot wait in asyncio code
#   without stopping the loop, so there the call is not paused, and the log says so once).
#
# An edit is marked on the call's span (agent_lens.edited, and the request or the arguments as they
# were), when the call has a span of its own. It must never break the app: with no editor attached nothing waits; an editor that goes, a
# receiver that stops, or a pause longer than AGENT_LENS_LIVE_PAUSE_TIMEOUT_SECONDS (600) lets the
# call go on unchanged and stderr says why; any error inside the gate lets the call go on
# unchanged. Python 3.8 and newer; standard library only.

import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

PROTOCOL_VERSION = 1
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class _Socket(object):
    """A WebSocket client, as much of RFC 6455 as the gate needs: text messages, ping, close.

    (Written here: the standard library has none, and the helper must not need a package.)
    """

    def __init__(self, url, token, timeout=5.0):
        from urllib.parse import quote, urlsplit

        u = urlsplit(url)
        if u.scheme != "ws":
            raise ValueError("the live gate speaks ws:// to the receiver on this machine, not %r" % u.scheme)
        host, port = u.hostname or "127.0.0.1", u.port or 80
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        path += ("&" if "?" in path else "?") + "token=" + quote(token, safe="")
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key)).encode("ascii"))
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the receiver closed the connection during the handshake")
            buf += chunk
            if len(buf) > 65536:
                raise ConnectionError("the receiver's handshake answer is too long")
        head, rest = buf.split(b"\r\n\r\n", 1)
        # (A bytearray: a long message comes in many pieces, and bytes would be copied whole each time.)
        self.buf = bytearray(rest)
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise ConnectionError("the receiver answered %s" % lines[0])
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode("ascii")).digest()).decode("ascii")
        headers = dict((k.strip().lower(), v.strip()) for k, _, v in (l.partition(":") for l in lines[1:]))
        if headers.get("sec-websocket-accept") != accept:
            raise ConnectionError("the receiver's handshake does not check out")
        self.sock.settimeout(None)
        self.lock = threading.Lock()

    def _frame(self, opcode, data):
        n = len(data)
        head = bytearray([0x80 | opcode])
        if n < 126:
            head.append(0x80 | n)
        elif n < 65536:
            head.append(0x80 | 126)
            head += struct.pack(">H", n)
        else:
            head.append(0x80 | 127)
            head += struct.pack(">Q", n)
        mask = os.urandom(4)
        head += mask
        if n:
            # (One XOR of two big integers: a loop over the bytes is slow for a long request.)
            m = (mask * (n // 4 + 1))[:n]
            data = (int.from_bytes(data, "big") ^ int.from_bytes(m, "big")).to_bytes(n, "big")
        with self.lock:
            self.sock.sendall(bytes(head) + data)

    def send(self, text):
        self._frame(0x1, text.encode("utf-8"))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the receiver closed the connection")
            self.buf += chunk
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def recv(self):
        """The next text message (None when the receiver closes)."""
        parts = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            if b1 & 0x80:
                mask = self._read(4)
                data = bytes(c ^ mask[i % 4] for i, c in enumerate(self._read(n)))
            else:
                data = self._read(n)
            if opcode == 0x8:
                return None
            if opcode == 0x9:
                self._frame(0xA, data)
                continue
            if opcode in (0x1, 0x0):
                parts.append(data)
                if b0 & 0x80:
                    return b"".join(parts).decode("utf-8")

    def close(self):
        try:
            self._frame(0x8, b"")
        except Exception:
            pass
        try:
            self.sock.close()
        except Exception:
            pass


def _kind_name(kind):
    return "tool" if kind == "tool" else "model call"


def _glob(pattern, name):
    parts = pattern.split("*")
    if not name.startswith(parts[0]) or not name.endswith(parts[-1]) or len(name) < len(parts[0]) + len(parts[-1]):
        return False
    at, end = len(parts[0]), len(name) - len(parts[-1])
    for p in parts[1:-1]:
        k = name.find(p, at)
        if k < 0 or k + len(p) > end:
            return False
        at = k + len(p)
    return at <= end


class Gate(object):
    """The connection to the receiver, the breakpoints it pushed, and the calls waiting."""

    def __init__(self, url, token, timeout_s=600.0, service=None, log=None):
        self.url, self.token, self.timeout_s = url, token, timeout_s
        self.service = service or os.environ.get("OTEL_SERVICE_NAME") or os.path.basename(sys.argv[0] if sys.argv and sys.argv[0] else "python")
        self.breakpoints = None
        self.settled = threading.Event()
        self.ws = None
        self.stopped = False
        self.n = 0
        self.lock = threading.Lock()
        self.waiting = {}
        # Tool calls already paused in the model's answer: {call id: (failure or None, arguments as the model gave them when edited)}.
        self.paused_calls = {}
        # A framework's tools are hooked where they run (their spans need not pause them).
        self.framework_tools = False
        self._log = log or (lambda line: sys.stderr.write(line + "\n"))
        self._said = set()

    def log(self, line, once=None):
        if once is not None:
            if once in self._said:
                return
            self._said.add(once)
        try:
            self._log("agent-lens live gate: " + line)
        except Exception:
            pass

    # ---- the connection ----

    def start(self):
        t = threading.Thread(target=self._run, name="agent-lens-live-gate", daemon=True)
        t.start()
        return self

    def _run(self):
        delay = 0.25
        while not self.stopped:
            try:
                self.ws = _Socket(self.url, self.token)
                delay = 0.25
                self._send({"type": "hello", "protocolVersion": PROTOCOL_VERSION, "pid": os.getpid(), "language": "python", "service": self.service})
                while True:
                    text = self.ws.recv()
                    if text is None:
                        break
                    try:
                        self._on_command(json.loads(text))
                    except Exception as e:
                        self.log("a message from the receiver could not be read (%s)" % e, once="read")
            except Exception:
                pass
            self.ws = None
            self.breakpoints = None
            # (Not settled forever: a gate that cannot connect lets calls go at once.)
            self.settled.set()
            self._release_all("the receiver is gone")
            if self.stopped:
                return
            time.sleep(delay)
            delay = min(delay * 2, 30.0)

    def stop(self):
        self.stopped = True
        ws = self.ws
        if ws is not None:
            ws.close()

    @property
    def connected(self):
        return self.ws is not None

    def _send(self, message):
        ws = self.ws
        if ws is None:
            return False
        try:
            ws.send(json.dumps(message, default=_jsonable))
            return True
        except Exception:
            return False

    def _on_command(self, c):
        t = c.get("type") if isinstance(c, dict) else None
        if t == "breakpoints":
            self.breakpoints = c.get("breakpoints") or None
            self.settled.set()
            if self.breakpoints is None:
                self._release_all("no editor is attached any more")
        elif t == "resume":
            self._release(str(c.get("pauseId")), {"input": c["input"]} if "input" in c else {})
        elif t == "fail":
            self._release(str(c.get("pauseId")), {"fail": str(c.get("message"))})

    # ---- pausing ----

    def wants(self, kind, name):
        """Whether a call of this kind and name stops now (waiting up to 2 s for the first breakpoints)."""
        if not self.settled.is_set():
            self.settled.wait(2.0)
        bp = self.breakpoints
        if not bp:
            return False
        names = bp.get("tools" if kind == "tool" else "models")
        if names == "*":
            return True
        return any(n == name or ("*" in n and _glob(n, name)) for n in (names or []))

    def _new_pause(self, step, done):
        with self.lock:
            self.n += 1
            pause_id = "%d-%d" % (os.getpid(), self.n)
            self.waiting[pause_id] = done
        if not self._send({"type": "paused", "pauseId": pause_id, "step": step}):
            self._release(pause_id, None)
        return pause_id

    def _release(self, pause_id, answer):
        with self.lock:
            done = self.waiting.pop(pause_id, None)
        if done is not None:
            done(answer)

    def _release_all(self, why):
        with self.lock:
            waiting, self.waiting = self.waiting, {}
        if waiting:
            self.log("%s; %d paused call(s) go on unchanged" % (why, len(waiting)))
        for done in waiting.values():
            done(None)

    def _timed_out(self, pause_id, step):
        with self.lock:
            gone = self.waiting.pop(pause_id, None) is None
        if gone:
            return False
        self._send({"type": "released", "pauseId": pause_id, "why": "timed out"})
        self.log("%s %s was paused for %d s with no answer from the editor; it goes on unchanged"
                 % (_kind_name(step.get("kind")), step.get("name"), round(self.timeout_s)))
        return True

    def pause(self, step, span=None):
        """Blocks this thread until the editor answers: {} (go on), {"input": …} (edited), {"fail": "…"}; None: unchanged."""
        box = {}
        ev = threading.Event()

        def done(answer):
            box["a"] = answer
            ev.set()

        pause_id = self._new_pause(_where(step, span), done)
        if not ev.wait(self.timeout_s):
            if self._timed_out(pause_id, step):
                return None
            ev.wait(1.0)
        return box.get("a")

    async def settled_async(self):
        """Waits (without blocking the loop) up to 2 s for the first breakpoints, as `wants` does for sync code."""
        import asyncio

        for _ in range(40):
            if self.settled.is_set():
                return
            await asyncio.sleep(0.05)

    async def pause_async(self, step):
        """Awaits the editor's answer: the loop's other tasks run meanwhile."""
        import asyncio

        loop = asyncio.get_running_loop()
        fut = loop.create_future()

        def done(answer):
            def settle():
                if not fut.done():
                    fut.set_result(answer)
            try:
                loop.call_soon_threadsafe(settle)
            except RuntimeError:
                pass  # the loop is closed: nobody waits any more

        await self.settled_async()
        pause_id = self._new_pause(_where(step), done)
        try:
            return await asyncio.wait_for(asyncio.shield(fut), self.timeout_s)
        except asyncio.TimeoutError:
            if self._timed_out(pause_id, step):
                return None
            return await fut

    def take_paused_call(self, call_id, span):
        """A tool call stopped already in the model's answer, now starting: (True, the failure chosen
        there or None), its edit marked on `span`; (False, None) for a call not stopped there."""
        if call_id is None or call_id not in self.paused_calls:
            return False, None
        fail, original = self.paused_calls.pop(call_id)
        if original is not None and span is not None:
            mark_edited(span, "agent_lens.original_arguments", original)
        return True, fail

    def note_paused_call(self, call_id, fail, original=None):
        """A tool call paused in the model's answer: the failure chosen there, and its arguments as the model gave them when they were edited (both for its span)."""
        self.paused_calls[call_id] = (fail, original)
        if len(self.paused_calls) > 1000:
            self.paused_calls.pop(next(iter(self.paused_calls)))


def _jsonable(v):
    """What json.dumps cannot write: pydantic models as their dicts, the SDKs' sentinels left out, the rest as text."""
    dump = getattr(v, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json")
        except Exception:
            pass
    return str(v)


# Each span's parent span, noted as spans start while the gate is on (a span knows only its
# parent's ids): a pause says which agent it is in, the nearest span up the chain whose attributes
# name one. (Weak: a span that is done goes, and its entry with it.)
try:
    import weakref

    _parents = weakref.WeakKeyDictionary()
except Exception:  # pragma: no cover
    _parents = {}


def note_span(span, parent):
    try:
        if parent is not None and parent is not span:
            _parents[span] = parent
    except Exception:
        pass


def _agent_of(span):
    for _ in range(64):
        if span is None:
            return None
        attrs = getattr(span, "attributes", None) or {}
        agent = attrs.get("gen_ai.agent.name")
        if agent:
            return str(agent)
        try:
            span = _parents.get(span)
        except Exception:
            return None
    return None


def _where(step, span=None):
    """The step, with where it is: its span's (else the active span's) run and id, its agent, and the line that started it."""
    if span is None:
        try:
            from opentelemetry import trace  # noqa: only when the app has OpenTelemetry
        except Exception:
            return step
    try:
        if span is None:
            span = trace.get_current_span()
        sc = span.get_span_context()
        if sc.is_valid and "traceId" not in step:
            step["traceId"] = "%032x" % sc.trace_id
            step["spanId"] = "%016x" % sc.span_id
        agent = _agent_of(span)
        if agent and "agent" not in step:
            step["agent"] = agent
        attrs = getattr(span, "attributes", None) or {}
        path, line = attrs.get("code.file.path"), attrs.get("code.line.number")
        if isinstance(path, str) and isinstance(line, int) and "source" not in step:
            step["source"] = {"path": path, "line": line}
    except Exception:
        pass
    return step


# ---- the hooks ----

def _request_of(kwargs):
    """The request as its provider takes it: the keyword arguments that are JSON (sentinels left out)."""
    out = {}
    for k, v in kwargs.items():
        if type(v).__name__ in ("NotGiven", "Omit") or k.startswith("extra_") or k == "timeout":
            continue
        try:
            out[k] = json.loads(json.dumps(v, default=_jsonable))
        except Exception:
            pass
    return out


def mark_edited(span, key, original):
    """Says on a span that the developer edited its call, with what it was (the recording keeps both)."""
    try:
        span.set_attribute("agent_lens.edited", True)
        span.set_attribute(key, (original if isinstance(original, str) else json.dumps(original, default=_jsonable))[:65536])
    except Exception:
        pass


def _model_span():
    """The active span when it is the model call's own (an instrumentation's or the app's), else None."""
    try:
        from opentelemetry import trace

        span = trace.get_current_span()
        attrs = getattr(span, "attributes", None) or {}
        if span.is_recording() and (attrs.get("gen_ai.request.model") or attrs.get("llm.request.type")
                                    or attrs.get("openinference.span.kind") == "LLM"):
            return span
    except Exception:
        pass
    return None


def _edited(kwargs, answer):
    """The keyword arguments to call with: the edited request over the original's others (and the model call's span says so)."""
    edited = answer.get("input") if answer else None
    if not isinstance(edited, dict):
        return kwargs
    shown = _request_of(kwargs)
    span = _model_span()
    if span is not None:
        mark_edited(span, "agent_lens.original_request", shown)
    out = dict((k, v) for k, v in kwargs.items() if k not in shown)
    out.update(edited)
    return out


class StoppedFromDebugger(RuntimeError):
    """A call failed from the debugger (Fail Step): it was not made."""


def _answer_calls(gate, result, via):
    """The tool calls in an OpenAI chat completion that a breakpoint names: (call, its function, the step to pause at)."""
    out = []
    for choice in getattr(result, "choices", None) or []:
        for tc in getattr(getattr(choice, "message", None), "tool_calls", None) or []:
            fn = getattr(tc, "function", None)
            name = getattr(fn, "name", None)
            if not name or not gate.wants("tool", name):
                continue
            raw = getattr(fn, "arguments", None)
            try:
                args = json.loads(raw) if isinstance(raw, str) else raw
            except Exception:
                args = raw
            out.append((tc, fn, {"kind": "tool", "name": name, "input": args, "via": "%s (tool call %s)" % (via, getattr(tc, "id", "?"))}))
    return out


def _apply_answer(gate, tc, fn, a):
    """The editor's answer for a tool call in the model's answer: noted for its span, an edit written into the answer."""
    edited = bool(a) and "fail" not in a and "input" in a
    if getattr(tc, "id", None):
        gate.note_paused_call(tc.id, (a or {}).get("fail"), getattr(fn, "arguments", None) if edited else None)
    if edited:
        fn.arguments = a["input"] if isinstance(a["input"], str) else json.dumps(a["input"])


def _answer_tools(gate, result, via):
    """Tool calls in an OpenAI chat completion the model answered: each one a breakpoint names is paused, and edited in the answer."""
    for tc, fn, step in _answer_calls(gate, result, via):
        _apply_answer(gate, tc, fn, gate.pause(step))


async def _answer_tools_async(gate, result, via):
    for tc, fn, step in _answer_calls(gate, result, via):
        _apply_answer(gate, tc, fn, await gate.pause_async(step))


def _model_step(gate, kwargs, via):
    """The step to pause at before a model call, when a breakpoint names its model (None: no pause)."""
    try:
        model = kwargs.get("model")
        if (gate.breakpoints is not None or not gate.settled.is_set()) and isinstance(model, str) and gate.wants("llm", model):
            return {"kind": "llm", "name": model, "input": _request_of(kwargs), "via": via}
    except Exception as e:
        gate.log("pausing %s failed (%s); the call went on unchanged" % (via, e), once=via)
    return None


def _raise_if_failed(answer):
    if answer and "fail" in answer:
        raise StoppedFromDebugger("stopped from the debugger: %s" % answer["fail"])


def _failed_step(gate, kwargs, via, e):
    """Break on failed step: the model call's failure, as a step to stop at (None: not asked for)."""
    try:
        if gate.breakpoints and gate.breakpoints.get("failed"):
            return {"kind": "llm", "name": str(kwargs.get("model")), "input": _request_of(kwargs), "via": via, "failed": "%s: %s" % (type(e).__name__, e)}
    except Exception:
        pass
    return None


def _reads_answer(gate, via, kwargs):
    """Whether the model's answer is looked at for tool calls (OpenAI chat, not streamed, while an editor is attached)."""
    return via.startswith("openai chat") and gate.breakpoints is not None and not kwargs.get("stream")


def _wrap_model(gate, cls, method, via, is_async):
    original = getattr(cls, method, None)
    if original is None or getattr(original, "_agent_lens_gate", False):
        return

    def unread(e):
        gate.log("reading the model's answer for tool calls failed (%s); it went on as it came" % e, once="answer")

    if is_async:
        async def wrapper(self, *args, **kwargs):
            # (`wants` would block the loop while the gate has not heard yet: waited for here instead.)
            if not gate.settled.is_set():
                await gate.settled_async()
            step = _model_step(gate, kwargs, via)
            answer = await gate.pause_async(step) if step else None
            _raise_if_failed(answer)
            try:
                result = await original(self, *args, **_edited(kwargs, answer))
            except Exception as e:
                failed = _failed_step(gate, kwargs, via, e)
                if failed is not None:
                    await gate.pause_async(failed)
                raise
            if _reads_answer(gate, via, kwargs):
                try:
                    await _answer_tools_async(gate, result, "the model's answer")
                except Exception as e:
                    unread(e)
            return result
    else:
        def wrapper(self, *args, **kwargs):
            step = _model_step(gate, kwargs, via)
            answer = gate.pause(step) if step else None
            _raise_if_failed(answer)
            try:
                result = original(self, *args, **_edited(kwargs, answer))
            except Exception as e:
                failed = _failed_step(gate, kwargs, via, e)
                if failed is not None:
                    gate.pause(failed)
                raise
            if _reads_answer(gate, via, kwargs):
                try:
                    _answer_tools(gate, result, "the model's answer")
                except Exception as e:
                    unread(e)
            return result

    wrapper._agent_lens_gate = True
    wrapper.__wrapped__ = original
    wrapper.__name__ = getattr(original, "__name__", method)
    wrapper.__doc__ = getattr(original, "__doc__", None)
    setattr(cls, method, wrapper)


# The client classes whose `create` is a model call: (their modules, old and new layouts), class,
# how the debugger names the call. Each has an Async twin.
_CLIENTS = [
    (("openai.resources.chat.completions", "openai.resources.chat.completions.completions"), "Completions", "openai chat.completions.create"),
    (("openai.resources.responses", "openai.resources.responses.responses"), "Responses", "openai responses.create"),
    (("anthropic.resources.messages", "anthropic.resources.messages.messages"), "Messages", "anthropic messages.create"),
]
# Module → what to wrap in it once it is imported: (class, method, how the debugger names it, async).
MODEL_HOOKS = dict(
    (module, [(cls, "create", via, False), ("Async" + cls, "create", via + " (async)", True)])
    for modules, cls, via in _CLIENTS for module in modules)


def _tool_span(name):
    """The active span when it is the tool's own (the framework's execute_tool span), else None."""
    try:
        from opentelemetry import trace

        span = trace.get_current_span()
        attrs = getattr(span, "attributes", None) or {}
        if span.is_recording() and attrs.get("gen_ai.tool.name") == name:
            return span
    except Exception:
        pass
    return None


def _in_loop():
    """Whether this thread runs an asyncio loop (where a sync call must not wait)."""
    try:
        import asyncio

        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def _tool_step(gate, name, args, via, call_id=None):
    """The step to pause at before a framework's tool runs, when a breakpoint names it (None: no
    pause). A call paused already in the model's answer is not paused again: the failure chosen
    there is its step, {"fail": …}, and an edit made there is marked on its span."""
    if gate.breakpoints is None and gate.settled.is_set() or not gate.wants("tool", name):
        return None
    taken, fail = gate.take_paused_call(call_id, _tool_span(name) if call_id is not None else None)
    if taken:
        return {"fail": fail} if fail is not None else None
    return {"kind": "tool", "name": name, "input": json.loads(json.dumps(args, default=_jsonable)), "via": via}


def _edited_args(name, args, answer):
    """The tool's arguments after the editor's answer (Fail Step raises): the edit over them, or None unchanged."""
    _raise_if_failed(answer)
    if not answer or not isinstance(answer.get("input"), dict):
        return None
    span = _tool_span(name)
    if span is not None:
        mark_edited(span, "agent_lens.original_arguments", args)
    return answer["input"]


# Parameters a framework fills itself, not the model: left out of what a paused tool shows.
_INJECTED = ("agent", "tool_context")


def _gated_tool_function(gate, func, name):
    """A framework's tool function, wrapped so a call a breakpoint names stops before it runs, with
    its arguments by parameter name (the context and agent the framework passes left out): the edit
    is what it is called with, and Fail Step raises StoppedFromDebugger in it, which the framework
    reports to the model as the tool's error. The wrapper keeps the function's signature, type hints
    and docstring (functools.wraps: frameworks read the tool's schema from them through
    __wrapped__). Generator tools are left as they are (a wrapper would change what they are)."""
    import functools
    import inspect

    if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
        return func
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return func
    skip = set(p.name for p in sig.parameters.values() if "Context" in str(p.annotation) or p.name in _INJECTED)

    def call_id_of(arguments):
        for k in skip:
            c = arguments.get(k)
            cid = getattr(c, "tool_call_id", None)  # the OpenAI Agents SDK's ToolContext
            if cid is None:
                cid = (getattr(c, "tool_use", None) or {}).get("toolUseId")  # Strands' ToolContext
            if cid:
                return cid
        return None

    def gated(args, kwargs):
        """(the bound arguments, the step to pause at), or (None, None) to call straight through."""
        try:
            if gate.breakpoints is None and gate.settled.is_set() or not gate.wants("tool", name):
                return None, None
            bound = sig.bind(*args, **kwargs)
            shown = dict((k, v) for k, v in bound.arguments.items() if k not in skip)
            cid = call_id_of(bound.arguments)
            via = "%s (tool call %s)" % (func.__module__, cid) if cid else "tool function %s.%s" % (func.__module__, func.__qualname__)
            return bound, _tool_step(gate, name, shown, via, cid)
        except Exception as e:
            gate.log("pausing tool %s failed (%s); it went on unchanged" % (name, e), once="tool:" + name)
            return None, None

    def apply(bound, answer):
        edit = _edited_args(name, dict((k, v) for k, v in bound.arguments.items() if k not in skip), answer)
        if edit is None:
            return None
        for k, v in edit.items():
            if k in sig.parameters and k not in skip:
                bound.arguments[k] = v
        return bound

    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def wrapper(*args, **kwargs):
            # (`wants` would block the loop while the gate has not heard yet: waited for here instead.)
            if not gate.settled.is_set():
                await gate.settled_async()
            bound, step = gated(args, kwargs)
            if step is not None:
                edited = apply(bound, step if "fail" in step else await gate.pause_async(step))
                if edited is not None:
                    return await func(*edited.args, **edited.kwargs)
            return await func(*args, **kwargs)
    else:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            bound, step = gated(args, kwargs)
            if step is not None and "fail" not in step and _in_loop():
                gate.log("tool %s runs synchronously in an asyncio loop: it cannot wait there without stopping the loop, so it is not paused" % name,
                         once="sync-in-loop:" + name)
            elif step is not None:
                edited = apply(bound, step if "fail" in step else gate.pause(step))
                if edited is not None:
                    return func(*edited.args, **edited.kwargs)
            return func(*args, **kwargs)
    wrapper._agent_lens_gate = True
    return wrapper


def _hook_decorator(gate, module, attr, name_kwarg):
    """A framework's tool decorator (module.attr, used bare or with keyword arguments; name_kwarg
    names the tool when given): the functions it makes tools of are gated."""
    original = getattr(module, attr, None)
    if original is None or getattr(original, "_agent_lens_gate", False):
        return
    import functools
    import inspect

    def gated(func, kwargs):
        try:
            if inspect.isfunction(func):
                return _gated_tool_function(gate, func, kwargs.get(name_kwarg) or func.__name__)
        except Exception as e:
            gate.log("hooking the tool %r failed (%s); it is not paused" % (func, e), once=attr)
        return func

    @functools.wraps(original)
    def decorator(func=None, *args, **kwargs):
        if func is None:
            decorate = original(*args, **kwargs)
            return lambda f: decorate(gated(f, kwargs))
        return original(gated(func, kwargs), *args, **kwargs)

    decorator._agent_lens_gate = True
    setattr(module, attr, decorator)
    gate.framework_tools = True


def _hook_pydantic_ai(gate, module):
    """Pydantic AI's function tools (FunctionToolset.call_tool, with the validated arguments): a call
    a breakpoint names stops before the tool runs; the edit replaces its arguments; Fail Step raises
    ModelRetry with the message, Pydantic AI's own way to tell the model a tool failed."""
    cls = getattr(module, "FunctionToolset", None)
    original = getattr(cls, "call_tool", None)
    if original is None or getattr(original, "_agent_lens_gate", False):
        return
    import functools

    @functools.wraps(original)
    async def call_tool(self, name, tool_args, ctx, tool, *args, **kwargs):
        step = None
        try:
            if not gate.settled.is_set():
                await gate.settled_async()
            cid = getattr(ctx, "tool_call_id", None)
            step = _tool_step(gate, name, tool_args, "pydantic_ai (tool call %s)" % cid if cid else "pydantic_ai FunctionToolset.call_tool", cid)
        except Exception as e:
            gate.log("pausing tool %s failed (%s); it went on unchanged" % (name, e), once="tool:" + name)
        if step is not None:
            answer = step if "fail" in step else await gate.pause_async(step)
            if answer and "fail" in answer:
                try:
                    from pydantic_ai import ModelRetry
                except Exception:
                    ModelRetry = StoppedFromDebugger
                raise ModelRetry("stopped from the debugger: %s" % answer["fail"])
            edit = _edited_args(name, tool_args, answer)
            if edit is not None:
                tool_args = edit
        return await original(self, name, tool_args, ctx, tool, *args, **kwargs)

    call_tool._agent_lens_gate = True
    cls.call_tool = call_tool
    gate.framework_tools = True


def _hook_langchain(gate, module):
    """LangChain's tools (langchain_core BaseTool.run / arun, which LangGraph's ToolNode and
    LangChain's agents call with the model's arguments): a call a breakpoint names stops before the
    tool runs; the edit replaces its arguments (those the framework injects, such as LangGraph's
    state, kept and not shown); Fail Step is a ToolException from the tool: a tool that handles its
    errors (handle_tool_error) answers the model with the message, as run() would (its callbacks
    not told), and any other raises in the app, as a tool error does."""
    cls = getattr(module, "BaseTool", None)
    if cls is None or getattr(cls.run, "_agent_lens_gate", False):
        return
    import functools

    base_error = getattr(module, "ToolException", None)
    failed = type("StoppedFromDebugger", (StoppedFromDebugger, base_error), {}) if base_error else StoppedFromDebugger

    def step_of(tool, tool_input, kwargs):
        if not isinstance(tool_input, dict):
            return None, ()
        injected = set(getattr(tool, "_injected_args_keys", None) or ())
        shown = dict((k, v) for k, v in tool_input.items() if k not in injected)
        cid = kwargs.get("tool_call_id")
        via = "langchain %s (tool call %s)" % (type(tool).__name__, cid) if cid else "langchain %s.run" % type(tool).__name__
        return _tool_step(gate, str(getattr(tool, "name", "")), shown, via, cid), injected

    def failure(tool, message, kwargs):
        """Fail Step: what run() gives for a ToolException raised in the tool (a tool that handles
        its errors answers with the message, as LangChain formats it); otherwise it raises."""
        err = failed("stopped from the debugger: %s" % message)
        flag = getattr(tool, "handle_tool_error", None)
        handle, fmt = getattr(module, "_handle_tool_error", None), getattr(module, "_format_output", None)
        if not flag or handle is None or fmt is None:
            raise err
        return fmt(handle(err, flag=flag), None, kwargs.get("tool_call_id"), tool.name, "error")

    def after(tool, tool_input, injected, answer):
        edit = _edited_args(str(tool.name), dict((k, v) for k, v in tool_input.items() if k not in injected), answer)
        if edit is None:
            return tool_input
        out = dict((k, v) for k, v in tool_input.items() if k in injected)
        out.update(edit)
        return out

    def guarded(tool, tool_input, kwargs):
        try:
            return step_of(tool, tool_input, kwargs)
        except Exception as e:
            gate.log("pausing tool %s failed (%s); it went on unchanged" % (getattr(tool, "name", "?"), e), once="langchain")
            return None, ()

    run, arun = cls.run, cls.arun

    @functools.wraps(run)
    def gated_run(self, tool_input, *args, **kwargs):
        if gate.breakpoints is not None or not gate.settled.is_set():
            step, injected = guarded(self, tool_input, kwargs)
            if step is not None and "fail" not in step and _in_loop():
                gate.log("tool %s runs synchronously in an asyncio loop: it cannot wait there without stopping the loop, so it is not paused" % self.name,
                         once="sync-in-loop:" + self.name)
            elif step is not None:
                answer = step if "fail" in step else gate.pause(step)
                if answer and "fail" in answer:
                    return failure(self, answer["fail"], kwargs)
                tool_input = after(self, tool_input, injected, answer)
        return run(self, tool_input, *args, **kwargs)

    @functools.wraps(arun)
    async def gated_arun(self, tool_input, *args, **kwargs):
        if gate.breakpoints is not None or not gate.settled.is_set():
            if not gate.settled.is_set():
                await gate.settled_async()
            step, injected = guarded(self, tool_input, kwargs)
            if step is not None:
                answer = step if "fail" in step else await gate.pause_async(step)
                if answer and "fail" in answer:
                    return failure(self, answer["fail"], kwargs)
                tool_input = after(self, tool_input, injected, answer)
        return await arun(self, tool_input, *args, **kwargs)

    gated_run._agent_lens_gate = gated_arun._agent_lens_gate = True
    cls.run, cls.arun = gated_run, gated_arun
    gate.framework_tools = True


# Module → a hook on its tools, once it is imported.
TOOL_HOOKS = {
    "agents.tool": lambda gate, m: _hook_decorator(gate, m, "function_tool", "name_override"),  # OpenAI Agents SDK
    "strands.tools.decorator": lambda gate, m: _hook_decorator(gate, m, "tool", "name"),  # Strands Agents
    "pydantic_ai.toolsets.function": _hook_pydantic_ai,  # Pydantic AI
    "langchain_core.tools.base": _hook_langchain,  # LangChain tools, LangGraph's ToolNode
}


def hooked_modules():
    """The modules whose import the gate waits for."""
    return list(MODEL_HOOKS) + list(TOOL_HOOKS)


def hook_module(gate, name, module):
    """Wraps the model calls or tools of a module the gate hooks (called when it is imported)."""
    if name in TOOL_HOOKS:
        try:
            TOOL_HOOKS[name](gate, module)
        except Exception as e:
            gate.log("hooking %s failed (%s); its tools are not paused" % (name, e), once=name)
    for cls_name, method, via, is_async in MODEL_HOOKS.get(name, []):
        cls = getattr(module, cls_name, None)
        if cls is not None:
            try:
                _wrap_model(gate, cls, method, via, is_async)
            except Exception as e:
                gate.log("hooking %s failed (%s); its calls are not paused" % (via, e), once=via)


def tool_at_span_start(gate, span, name, attributes):
    """A tool's span has started (sync code): paused here when a breakpoint names it; when failed
    from the debugger, the span ends failed and this raises (the tool does not run)."""
    tool = None
    if attributes:
        tool = attributes.get("gen_ai.tool.name")
    if not tool and name.startswith("execute_tool "):
        tool = name[len("execute_tool "):]
    if not tool or gate.breakpoints is None and gate.settled.is_set():
        return
    in_loop = _in_loop()
    if in_loop and gate.framework_tools:
        return  # (an agent framework's tool: its hook pauses it where it runs, and fails it as the framework does)
    if not gate.wants("tool", str(tool)):
        return
    call_id = attributes.get("gen_ai.tool.call.id") if attributes else None
    taken, fail = gate.take_paused_call(call_id, span)
    if taken:
        if fail is None:
            return
        a = {"fail": fail}
    else:
        if in_loop:
            gate.log("tool %s starts its span in asyncio code: a span cannot wait there without stopping the loop, so it is not paused" % tool,
                     once="async-span")
            return
        raw = attributes.get("gen_ai.tool.call.arguments") if attributes else None
        try:
            args = json.loads(raw) if isinstance(raw, str) else raw
        except Exception:
            args = raw
        a = gate.pause({"kind": "tool", "name": str(tool), "input": args, "via": "start_span"}, span)
    if a and "fail" in a:
        err = StoppedFromDebugger("stopped from the debugger: %s" % a["fail"])
        try:
            from opentelemetry.trace import Status, StatusCode

            span.record_exception(err)
            span.set_status(Status(StatusCode.ERROR, a["fail"]))
            span.end()
        except Exception:
            pass
        raise err


# The gate this process started (sitecustomize), if any.
current = None


def start_from_environment(log=None):
    """The gate the editor asked for (AGENT_LENS_LIVE_URL), started (and kept as `current`); None without one."""
    global current
    url = os.environ.get("AGENT_LENS_LIVE_URL")
    if not url or os.environ.get("AGENT_LENS_LIVE") == "0" or os.environ.get("AGENT_LENS_CAPTURE") == "0":
        return None
    try:
        seconds = float(os.environ.get("AGENT_LENS_LIVE_PAUSE_TIMEOUT_SECONDS") or 600)
    except ValueError:
        seconds = 600.0
    current = Gate(url, os.environ.get("AGENT_LENS_TOKEN", ""), seconds if seconds > 0 else 600.0, log=log).start()
    return current
