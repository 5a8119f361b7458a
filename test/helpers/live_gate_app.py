# A Python app for the live gate's tests (test/capture/pythonGate.test.ts), run with the shipped
# helper directory first on PYTHONPATH and the gate's environment, as the editor starts apps:
#   python3 live_gate_app.py <mode>
# Its sitecustomize starts the gate (agent_lens_gate.current). Modes:
#   sync   a tool call paused in the main thread while another thread keeps printing TICK lines
#   async  the same in asyncio: one task paused, another task keeps printing TICK lines
#   model  a client method with the SDKs' calling convention (keyword arguments), wrapped as the
#          gate wraps openai's: paused before it is called; what it was called with is printed
#   answer, aanswer  such a method (sync, async) whose answer asks for get_weather (Lisbon), as
#          an OpenAI chat completion is shaped: the arguments the app then reads are printed
# Each prints "ANSWER <json>" (what the gate answered) or "CALLED <json>", then "DONE".
import asyncio
import json
import sys
import threading
import time

import agent_lens_gate as live

gate = live.current
if gate is None:
    print("NO GATE")
    sys.exit(2)
mode = sys.argv[1]
STEP = {"kind": "tool", "name": "get_weather", "input": {"city": "Lisbon", "unit": "celsius"}, "via": "test app"}


def tick(stop):
    n = 0
    while not stop.is_set():
        n += 1
        print("TICK %d" % n, flush=True)
        time.sleep(0.05)


if mode == "sync":
    stop = threading.Event()
    t = threading.Thread(target=tick, args=(stop,), daemon=True)
    t.start()
    print("ANSWER %s" % json.dumps(gate.pause(dict(STEP))), flush=True)
    stop.set()
elif mode == "async":
    async def main():
        stop = asyncio.Event()

        async def ticker():
            n = 0
            while not stop.is_set():
                n += 1
                print("TICK %d" % n, flush=True)
                await asyncio.sleep(0.05)

        task = asyncio.ensure_future(ticker())
        answer = await gate.pause_async(dict(STEP))
        print("ANSWER %s" % json.dumps(answer), flush=True)
        stop.set()
        await task

    asyncio.run(main())
elif mode == "model":
    class Completions(object):
        def create(self, *, model, messages, temperature=1.0, timeout=None):
            if model == "no-such-model":
                raise LookupError("the model no-such-model does not exist")
            return {"model": model, "messages": messages, "temperature": temperature, "timeout": timeout}

    live._wrap_model(gate, Completions, "create", "openai chat.completions.create", False)
    try:
        model = sys.argv[2] if len(sys.argv) > 2 else "gpt-4o-mini"
        got = Completions().create(model=model, messages=[{"role": "user", "content": "Weather in Lisbon?"}], temperature=0.2, timeout=12.5)
        print("CALLED %s" % json.dumps(got), flush=True)
    except (live.StoppedFromDebugger, LookupError) as e:
        print("RAISED %s" % e, flush=True)
elif mode in ("answer", "aanswer"):
    from types import SimpleNamespace as NS

    def completion():
        call = NS(id="call_1", type="function", function=NS(name="get_weather", arguments=json.dumps({"city": "Lisbon"})))
        return NS(choices=[NS(message=NS(role="assistant", content=None, tool_calls=[call]))])

    if mode == "answer":
        class Completions(object):
            def create(self, **kwargs):
                return completion()

        live._wrap_model(gate, Completions, "create", "openai chat.completions.create", False)
        got = Completions().create(model="gpt-4o-mini", messages=[])
    else:
        class AsyncCompletions(object):
            async def create(self, **kwargs):
                await asyncio.sleep(0)
                return completion()

        live._wrap_model(gate, AsyncCompletions, "create", "openai chat.completions.create (async)", True)
        got = asyncio.run(AsyncCompletions().create(model="gpt-4o-mini", messages=[]))
    print("ARGUMENTS %s" % got.choices[0].message.tool_calls[0].function.arguments, flush=True)
print("DONE", flush=True)
