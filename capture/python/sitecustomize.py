# Agent Lens call-site capture for Python, loaded through PYTHONPATH (the environment Agent Lens
# injects into the editor's terminals and debug sessions puts this directory first).
#
# It records where in the user's code each GenAI span was started: code.file.path,
# code.line.number, code.function.name and a short code.stacktrace of user frames, set on the span
# at its start. How: when the app imports the OpenTelemetry SDK (opentelemetry.sdk.trace), the
# SDK's Tracer.start_span is wrapped; every tracer of every provider shares it.
#
# It must never break the app:
# - without OpenTelemetry it does nothing but wait for an import that never comes;
# - every failure of its own is caught and reported once on stderr;
# - AGENT_LENS_CAPTURE=0 turns it off;
# - an existing sitecustomize further along sys.path still runs (this one hands over to it), and
#   errors in that one are its own, reported by Python as they would be without this file.
#
# Under `opentelemetry-instrument`: that launcher puts its own sitecustomize first on PYTHONPATH
# and execs the app. In the launcher, this file moves its own directory back in front just before
# the exec, so in the app this file runs first and hands over to the launcher's, which then sets
# up the instrumentation as it always does.
#
# The live gate (agent_lens_gate.py, beside this file) starts here when the editor asked for it
# (AGENT_LENS_LIVE_URL): it wraps the model calls of openai and anthropic as they are imported,
# and pauses tools where their span starts. A re-run (agent_lens_rerun.py, AGENT_LENS_RERUN_FILE)
# answers model calls from a recording at httpx.
#
# Python 3.8 and newer; standard library only.


def _agent_lens_capture():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    state = {"failed": False}

    def fail(where, e):
        if state["failed"]:
            return
        state["failed"] = True
        try:
            sys.stderr.write("agent-lens capture: %s failed (%s); call sites are not recorded in this process\n" % (where, e))
        except Exception:
            pass

    def same_dir(p):
        try:
            return os.path.normcase(os.path.abspath(p or os.getcwd())) == os.path.normcase(here)
        except Exception:
            return False

    def hand_over():
        """Runs the sitecustomize this one hides: the next on sys.path."""
        import importlib.machinery
        import importlib.util

        rest = [p for p in sys.path if not same_dir(p)]
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
        if spec is None or spec.loader is None:
            return
        mod = importlib.util.module_from_spec(spec)
        sys.modules["sitecustomize"] = mod
        spec.loader.exec_module(mod)

    def keep_first_under_opentelemetry_instrument():
        launcher = os.path.basename(sys.argv[0]) if getattr(sys, "argv", None) else ""
        if launcher != "opentelemetry-instrument":
            return
        original = os.execv

        def execv(path, args):
            try:
                parts = os.environ.get("PYTHONPATH", "").split(os.pathsep)
                ours = [p for p in parts if same_dir(p)]
                if ours and not same_dir(parts[0]):
                    os.environ["PYTHONPATH"] = os.pathsep.join(ours[:1] + [p for p in parts if not same_dir(p)])
            except Exception as e:
                fail("keeping the helper under opentelemetry-instrument", e)
            return original(path, args)

        os.execv = execv  # os.execl calls os.execv

    if os.environ.get("AGENT_LENS_CAPTURE") == "0":
        return hand_over

    import re

    try:
        extra = re.compile(os.environ["AGENT_LENS_CAPTURE_SPAN_NAMES"]) if os.environ.get("AGENT_LENS_CAPTURE_SPAN_NAMES") else None
    except re.error:
        extra = None
    genai_keys = ("gen_ai.operation.name", "gen_ai.request.model", "gen_ai.tool.name", "gen_ai.agent.name", "gen_ai.system",
                  "gen_ai.provider.name", "llm.request.type", "openinference.span.kind", "traceloop.span.kind", "logfire.msg_template")
    genai_name = re.compile(r"^(chat|text_completion|generate_content|embeddings|invoke_agent|create_agent|execute_tool|invoke_workflow)( |$)"
                            r"|^(openai|anthropic|bedrock|gemini|vertexai|cohere|mistral|groq|ollama|litellm)\.", re.I)

    def is_genai(name, attrs):
        if attrs:
            for k in genai_keys:
                if k in attrs:
                    return True
        return bool(genai_name.search(name) or (extra is not None and extra.search(name)))

    # Frames that are not the user's: the standard library, installed packages, OpenTelemetry.
    import sysconfig

    library = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            library.add(os.path.normcase(os.path.realpath(sysconfig.get_paths()[key])) + os.sep)
        except Exception:
            pass
    packages = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)
    own = os.path.normcase(os.path.abspath(__file__))
    verdicts = {}

    def is_user(filename, module):
        if module == "opentelemetry" or module.startswith("opentelemetry.") or module == "wrapt" or module.startswith("wrapt."):
            return False
        v = verdicts.get(filename)
        if v is None:
            p = os.path.normcase(filename)
            v = not (filename.startswith("<") or p == own or any(s in p for s in packages)
                     or any(p.startswith(d) for d in library))
            verdicts[filename] = v
        return v

    def user_frames():
        out = []
        f = sys._getframe(2)
        while f is not None and len(out) < 8:
            code = f.f_code
            if is_user(code.co_filename, f.f_globals.get("__name__") or ""):
                out.append((code.co_filename, f.f_lineno, getattr(code, "co_qualname", code.co_name)))
            f = f.f_back
        return out

    def stamp(span):
        if not span.is_recording():
            return
        frames = user_frames()
        if not frames:
            return
        path, line, function = frames[0]
        span.set_attribute("code.file.path", path)
        span.set_attribute("code.line.number", line)
        if function != "<module>":
            span.set_attribute("code.function.name", function)
        # Python's own traceback order: the outermost call first.
        span.set_attribute("code.stacktrace", "Traceback (most recent call last):\n" + "\n".join(
            '  File "%s", line %d, in %s' % fr for fr in reversed(frames)))

    def start(variable, module, what, otherwise):
        """A helper beside this file, started when its variable is set: (module, what it started) or (None, None)."""
        try:
            if os.environ.get(variable):
                mod = __import__(module)
                return mod, mod.start_from_environment()
        except Exception as e:
            try:
                sys.stderr.write("agent-lens %s: could not start (%s); %s\n" % (what, e, otherwise))
            except Exception:
                pass
        return None, None

    # The live gate, when the editor asked for one; a re-run (agent_lens_rerun.py): model calls answered from the recording.
    live, gate = start("AGENT_LENS_LIVE_URL", "agent_lens_gate", "live gate", "calls are not paused in this process")
    rerun_mod, rerun = start("AGENT_LENS_RERUN_FILE", "agent_lens_rerun", "re-run", "every model call goes to the model")

    def patch(module):
        tracer = getattr(module, "Tracer", None)
        original = getattr(tracer, "start_span", None)
        if original is None or getattr(original, "_agent_lens", False):
            return

        def start_span(self, name, *args, **kwargs):
            span = original(self, name, *args, **kwargs)
            attributes = None
            try:
                attributes = kwargs.get("attributes", args[2] if len(args) > 2 else None)
                if not state["failed"] and is_genai(str(name), attributes):
                    if not (attributes and "code.file.path" in attributes):
                        stamp(span)
                    # (A re-run's spans name the run it re-runs.)
                    if rerun is not None:
                        span.set_attribute("agent_lens.rerun_of", rerun.trace_id)
            except Exception as e:
                fail("recording a call site", e)
            if gate is not None:
                try:
                    from opentelemetry import trace as api

                    live.note_span(span, api.get_current_span(kwargs.get("context", args[0] if args else None)))
                except Exception:
                    pass
                # (Raises only when the debugger failed the tool: then it must not run.)
                try:
                    live.tool_at_span_start(gate, span, str(name), attributes)
                except live.StoppedFromDebugger:
                    raise
                except Exception as e:
                    gate.log("pausing a tool at its span failed (%s); it went on unchanged" % e, once="span")
            return span

        start_span._agent_lens = True
        start_span.__wrapped__ = original
        start_span.__doc__ = original.__doc__
        tracer.start_span = start_span

    def hook_tracer(module):
        try:
            patch(module)
        except Exception as e:
            fail("hooking the tracer", e)

    # Module → what to do once it is imported: the SDK's tracer, and the gate's model calls and tools.
    watched = {"opentelemetry.sdk.trace": hook_tracer}
    if rerun is not None:
        watched["httpx"] = lambda module: rerun_mod.hook_httpx(rerun, module)
    if gate is not None:
        for name in live.hooked_modules():
            watched[name] = (lambda n: lambda module: live.hook_module(gate, n, module))(name)

    class Finder(object):
        """Waits for the imports it watches, then hooks each module (the import itself is Python's)."""

        def __init__(self):
            self.finding = set()

        def find_spec(self, fullname, path=None, target_module=None):
            if fullname not in watched or fullname in self.finding:
                return None
            try:
                import importlib.util

                # (The spec as the other finders give it: this one says nothing while it asks.)
                self.finding.add(fullname)
                try:
                    spec = importlib.util.find_spec(fullname)
                finally:
                    self.finding.discard(fullname)
                then = watched.pop(fullname)
                if not watched:
                    sys.meta_path.remove(self)
                if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                    return spec
                loader = spec.loader
                exec_module = loader.exec_module

                class Loader(object):
                    def create_module(self, s):
                        return loader.create_module(s)

                    def exec_module(self, module):
                        exec_module(module)
                        then(module)

                spec.loader = Loader()
                return spec
            except Exception as e:
                fail("watching for %s" % fullname, e)
                return None

    try:
        keep_first_under_opentelemetry_instrument()
        for name in list(watched):
            if name in sys.modules:
                watched.pop(name)(sys.modules[name])
        if watched:
            sys.meta_path.insert(0, Finder())
    except Exception as e:
        fail("starting", e)
    return hand_over


_agent_lens_hand_over = None
try:
    _agent_lens_hand_over = _agent_lens_capture()
except Exception:
    pass
if _agent_lens_hand_over is not None:
    _agent_lens_hand_over()
del _agent_lens_hand_over
