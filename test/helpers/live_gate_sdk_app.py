# A Python agent on the real SDKs, for the live gate's tests (test/capture/pythonGate.test.ts):
#   python3 live_gate_sdk_app.py <mode> <model server url>
# run with the shipped helper directory first on PYTHONPATH and the gate's environment, as the
# editor starts apps, against the mock model (src/demo/mockModel.ts). Modes:
#   openai     the openai client (sync): a tool loop, each model call in a span of the app's own
#              (GenAI conventions) and each tool in an execute_tool span with its call id
#   aopenai    the same with AsyncOpenAI, while another task prints TICK lines
#   anthropic  the anthropic client (sync): the same loop in Anthropic's messages shape
#   agents     the OpenAI Agents SDK: an agent with two function tools, run by its Runner
#   pydantic_ai  Pydantic AI: an agent with get_weather and find_hotels (tool_plain), on its OpenAI chat model
#   strands    Strands Agents: an agent with the two tools (@tool), on its OpenAI model
#   langgraph  LangGraph: a model node (plain HTTP) and a ToolNode with the two tools (@tool)
# Tools print "TOOL <name> <json of their arguments>" (or "TOOL FAILED <name> <error>" when the app
# sees its tool fail), the final answer "ANSWER <text>", and every span that says it was edited
# "EDITED <span name> <json of its agent_lens.* attributes>", then "DONE".
import asyncio
import json
import os
import sys

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

mode, url = sys.argv[1], sys.argv[2]
MODEL = "gpt-4o-mini"
QUESTION = "Weather in Lisbon, and a flight there from Berlin on Dec 4?"
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("live-gate-sdk-app")


def say(line):
    # (One write per line: the Agents SDK runs sync tools in threads, beside the loop's.)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def get_weather(city, unit="celsius"):
    say("TOOL get_weather %s" % json.dumps({"city": city, "unit": unit}, separators=(",", ":")))
    return {"city": city, "temperature": 18 if unit == "celsius" else 64, "unit": unit}


def search_flights(**args):
    say("TOOL search_flights %s" % json.dumps(args, sort_keys=True, separators=(",", ":")))
    return {"flights": [{"flight": "TP 541", "price_eur": 89}]}


TOOLS = {"get_weather": get_weather, "search_flights": search_flights}
SCHEMAS = [
    ("get_weather", "The weather in a city", {"city": {"type": "string"}, "unit": {"type": "string"}}),
    ("search_flights", "Flights between two airports on a date", {"from": {"type": "string"}, "to": {"type": "string"}, "date": {"type": "string"}}),
]
OPENAI_TOOLS = [{"type": "function", "function": {"name": n, "description": d, "parameters": {"type": "object", "properties": p}}} for n, d, p in SCHEMAS]
ANTHROPIC_TOOLS = [{"name": n, "description": d, "input_schema": {"type": "object", "properties": p}} for n, d, p in SCHEMAS]


def run_tool(name, call_id, args):
    """A tool in a span of its own, as an instrumented app runs it: the result, or the error as the model is told it."""
    try:
        with tracer.start_as_current_span("execute_tool %s" % name, attributes={
                "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name,
                "gen_ai.tool.call.id": call_id, "gen_ai.tool.call.arguments": json.dumps(args)}):
            return json.dumps(TOOLS[name](**args))
    except Exception as e:
        print("TOOL FAILED %s %s" % (name, e), flush=True)
        return json.dumps({"error": str(e)})


def chat_span(system):
    return tracer.start_as_current_span("chat %s" % MODEL, attributes={
        "gen_ai.operation.name": "chat", "gen_ai.system": system, "gen_ai.request.model": MODEL})


def openai_turns(create):
    """The tool loop on a chat.completions.create (sync), as a generator of its steps."""
    messages = [{"role": "user", "content": QUESTION}]
    for _ in range(4):
        with chat_span("openai"):
            answer = yield create(model=MODEL, messages=messages, tools=OPENAI_TOOLS, temperature=0.2, timeout=30)
        message = answer.choices[0].message
        if not message.tool_calls:
            return message.content
        messages.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}} for c in message.tool_calls]})
        for c in message.tool_calls:
            messages.append({"role": "tool", "tool_call_id": c.id, "content": run_tool(c.function.name, c.id, json.loads(c.function.arguments))})


def main():
    with tracer.start_as_current_span("invoke_agent travel") as agent:
        agent.set_attribute("gen_ai.agent.name", "travel")
        if mode == "openai":
            import openai

            client = openai.OpenAI(base_url=url, api_key="sk-test", max_retries=0)
            steps = openai_turns(lambda **kw: kw)
            try:
                request = next(steps)
                while True:
                    request = steps.send(client.chat.completions.create(**request))
            except StopIteration as done:
                return done.value
        if mode == "aopenai":
            import openai

            async def run():
                client = openai.AsyncOpenAI(base_url=url, api_key="sk-test", max_retries=0)
                stop = asyncio.Event()

                async def ticker():
                    n = 0
                    while not stop.is_set():
                        n += 1
                        print("TICK %d" % n, flush=True)
                        await asyncio.sleep(0.05)

                task = asyncio.ensure_future(ticker())
                steps = openai_turns(lambda **kw: kw)
                try:
                    request = next(steps)
                    while True:
                        request = steps.send(await client.chat.completions.create(**request))
                except StopIteration as done:
                    stop.set()
                    await task
                    return done.value

            return asyncio.run(run())
        if mode == "anthropic":
            import anthropic

            client = anthropic.Anthropic(base_url=url, api_key="sk-test", max_retries=0)
            messages = [{"role": "user", "content": QUESTION}]
            for _ in range(4):
                with chat_span("anthropic"):
                    answer = client.messages.create(model=MODEL, max_tokens=512, system="You plan trips.", messages=messages, tools=ANTHROPIC_TOOLS)
                uses = [b for b in answer.content if b.type == "tool_use"]
                if not uses:
                    return "".join(b.text for b in answer.content if b.type == "text")
                messages.append({"role": "assistant", "content": [b.model_dump() for b in answer.content]})
                messages.append({"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": b.id, "content": run_tool(b.name, b.id, b.input)} for b in uses]})
            return None
        if mode == "agents":
            from agents import Agent, Runner, function_tool, set_tracing_disabled

            set_tracing_disabled(True)  # (its traces would go to OpenAI's servers)

            @function_tool(name_override="get_weather")
            def weather(city: str, unit: str = "celsius") -> str:
                """The weather in a city."""
                return json.dumps(get_weather(city, unit))

            @function_tool(name_override="search_flights")
            async def flights(to: str, date: str) -> str:
                """Flights to an airport on a date.

                Args:
                    to: the airport flown to.
                    date: the day of the flight.
                """
                return json.dumps(search_flights(to=to, date=date))

            os.environ["OPENAI_BASE_URL"] = url
            os.environ["OPENAI_API_KEY"] = "sk-test"
            agent = Agent(name="travel", instructions="You plan trips.", model=MODEL, tools=[weather, flights])
            return Runner.run_sync(agent, QUESTION).final_output
        if mode == "pydantic_ai":
            from pydantic_ai import Agent
            from pydantic_ai.models.openai import OpenAIChatModel
            from pydantic_ai.providers.openai import OpenAIProvider

            model = OpenAIChatModel(MODEL, provider=OpenAIProvider(base_url=url, api_key="sk-test"))
            Agent.instrument_all()  # (its spans, on the app's tracer provider)
            agent = Agent(model, instructions="You plan trips.")

            @agent.tool_plain(name="get_weather")
            def weather(city: str, unit: str = "celsius") -> str:
                """The weather in a city."""
                return json.dumps(get_weather(city, unit))

            # (Pydantic AI refuses arguments a tool does not take, such as search_flights' "from",
            # so its second tool is one the mock asks with {"query": <the question>}.)
            @agent.tool_plain
            async def find_hotels(query: str) -> str:
                """Hotels for a trip."""
                say("TOOL find_hotels %s" % json.dumps({"query": query}, separators=(",", ":")))
                return json.dumps({"hotels": ["Lisboa Plaza"]})

            return agent.run_sync(QUESTION).output
        if mode == "strands":
            from strands import Agent, tool
            from strands.models.openai import OpenAIModel

            @tool(name="get_weather")
            def weather(city: str, unit: str = "celsius") -> str:
                """The weather in a city.

                Args:
                    city: the city.
                    unit: celsius or fahrenheit.
                """
                return json.dumps(get_weather(city, unit))

            @tool(name="search_flights")
            async def flights(to: str, date: str) -> str:
                """Flights to an airport on a date.

                Args:
                    to: the airport flown to.
                    date: the day of the flight.
                """
                return json.dumps(search_flights(to=to, date=date))

            model = OpenAIModel(client_args={"base_url": url, "api_key": "sk-test", "max_retries": 0}, model_id=MODEL)
            agent = Agent(model=model, system_prompt="You plan trips.", tools=[weather, flights], callback_handler=None)
            return str(agent(QUESTION)).strip()
        if mode == "langgraph":
            import urllib.request

            from langchain_core.messages import AIMessage, HumanMessage
            from langchain_core.tools import tool
            from langchain_core.utils.function_calling import convert_to_openai_tool
            from langgraph.graph import END, START, MessagesState, StateGraph
            from langgraph.prebuilt import ToolNode, tools_condition

            @tool("get_weather")
            def weather(city: str, unit: str = "celsius") -> str:
                """The weather in a city."""
                return json.dumps(get_weather(city, unit))

            @tool("search_flights")
            def flights(to: str, date: str) -> str:
                """Flights to an airport on a date."""
                return json.dumps(search_flights(to=to, date=date))

            flights.handle_tool_error = True  # (its errors go to the model as its answer)
            tools = [weather, flights]

            def model(state):
                # (The model is asked over plain HTTP, a client the gate does not hook: the tools
                # stop in ToolNode.)
                messages = []
                for m in state["messages"]:
                    if m.type == "human":
                        messages.append({"role": "user", "content": m.content})
                    elif m.type == "ai":
                        messages.append({"role": "assistant", "content": m.content or None, "tool_calls": [
                            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": json.dumps(c["args"])}} for c in m.tool_calls] or None})
                    else:
                        messages.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content})
                body = json.dumps({"model": MODEL, "messages": messages, "tools": [convert_to_openai_tool(t) for t in tools]}).encode()
                req = urllib.request.Request(url.rstrip("/") + "/chat/completions", body, {"Content-Type": "application/json"})
                answer = json.loads(urllib.request.urlopen(req, timeout=30).read())["choices"][0]["message"]
                calls = [{"id": c["id"], "name": c["function"]["name"], "args": json.loads(c["function"]["arguments"])} for c in answer.get("tool_calls") or []]
                return {"messages": [AIMessage(content=answer.get("content") or "", tool_calls=calls)]}

            graph = StateGraph(MessagesState)
            graph.add_node("model", model)
            graph.add_node("tools", ToolNode(tools))
            graph.add_edge(START, "model")
            graph.add_conditional_edges("model", tools_condition)
            graph.add_edge("tools", "model")
            out = graph.compile().invoke({"messages": [HumanMessage(QUESTION)]})
            return out["messages"][-1].content
    return None


print("ANSWER %s" % main(), flush=True)
for span in exporter.get_finished_spans():
    marks = dict((k, v) for k, v in (span.attributes or {}).items() if k == "agent_lens.edited" or k.startswith("agent_lens.original_"))
    if marks.get("agent_lens.edited"):
        print("EDITED %s %s" % (span.name, json.dumps(marks, sort_keys=True)), flush=True)
print("DONE", flush=True)
