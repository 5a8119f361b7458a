# A Python app whose tool runs in a span of its own (the OpenTelemetry SDK), for the live gate's
# tests (test/capture/pythonGate.test.ts): an agent span that names its agent after it starts, and
# the tool get_weather run twice (Lisbon, then Oslo), each inside start_as_current_span with its
# arguments. Prints "TOOL RAN <city>" or "TOOL RAISED <type> <message>", then "DONE".
import json

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

trace.set_tracer_provider(TracerProvider())
tracer = trace.get_tracer("live-gate-span-app")
with tracer.start_as_current_span("invoke_agent planner") as agent:
    agent.set_attribute("gen_ai.agent.name", "planner")
    for city in ("Lisbon", "Oslo"):
        try:
            with tracer.start_as_current_span("execute_tool get_weather", attributes={
                    "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.arguments": json.dumps({"city": city})}):
                print("TOOL RAN", city, flush=True)
        except Exception as e:
            print("TOOL RAISED", type(e).__name__, e, flush=True)
print("DONE", flush=True)
