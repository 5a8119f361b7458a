# The live agent of test/helpers/liveApp.ts (its chat flow: a tool round, the answer, a follow-up
# question), written in Python on httpx, the client the openai and anthropic SDKs send through:
#   python3 rerun_httpx_app.py <model base url>
# LIVE_APP_STREAM: the first answer streamed (read from its events); LIVE_APP_ASYNC: on
# httpx.AsyncClient; LIVE_APP_USER: the question changed. Prints `TOOL <name> <arguments>` for each
# tool it runs and `ANSWER <text>` for each answer, as the Node app does.
import asyncio
import json
import os
import sys

import httpx

USER = "Plan a weekend in Lisbon: weather and a cheap flight from Berlin."
FOLLOW_UP = "And what should I pack for it?"
MODEL = "gpt-4o-mini"
TOOLS = [{"type": "function", "function": {"name": n, "description": n, "parameters": {"type": "object", "properties": {}, "additionalProperties": True}}}
         for n in ("get_weather", "search_flights")]
RESULTS = {"get_weather": {"forecast": "sunny", "high_c": 18}, "search_flights": {"flight": "TP 541", "price_eur": 89}}


def calls_of_stream(lines):
    by_index = {}
    for line in lines:
        line = line.rstrip("\r\n")  # (httpx before 0.24 keeps the line ends)
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[6:])
        for choice in chunk.get("choices") or []:
            for d in (choice.get("delta") or {}).get("tool_calls") or []:
                c = by_index.setdefault(d["index"], {"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
                if d.get("id"):
                    c["id"] = d["id"]
                f = d.get("function") or {}
                c["function"]["name"] += f.get("name") or ""
                c["function"]["arguments"] += f.get("arguments") or ""
    return [by_index[i] for i in sorted(by_index)]


def conversation(post, stream_first):
    messages = [{"role": "user", "content": os.environ.get("LIVE_APP_USER", USER)}]
    calls = yield ("first", {"model": MODEL, "messages": messages, "tools": TOOLS, **({"stream": True} if stream_first else {})})
    messages.append({"role": "assistant", "content": None, "tool_calls": calls})
    for c in calls:
        print("TOOL %s %s" % (c["function"]["name"], c["function"]["arguments"]), flush=True)
        messages.append({"role": "tool", "tool_call_id": c["id"], "content": json.dumps(RESULTS[c["function"]["name"]])})
    answer = yield ("answer", {"model": MODEL, "messages": messages, "tools": TOOLS})
    print("ANSWER %s" % answer, flush=True)
    messages += [{"role": "assistant", "content": answer}, {"role": "user", "content": FOLLOW_UP}]
    answer = yield ("answer", {"model": MODEL, "messages": messages})
    print("ANSWER %s" % answer, flush=True)


def read(kind, r, streamed):
    if kind == "first":
        return calls_of_stream(r) if streamed else (r.json()["choices"][0]["message"].get("tool_calls") or [])
    return r.json()["choices"][0]["message"].get("content") or ""


def run_sync(base, stream):
    with httpx.Client(base_url=base, headers={"authorization": "Bearer sk-test"}, timeout=30) as client:
        talk = conversation(None, stream)
        kind, body = next(talk)
        try:
            while True:
                if body.get("stream"):
                    with client.stream("POST", "/chat/completions", json=body) as r:
                        got = read(kind, list(r.iter_lines()), True)
                else:
                    got = read(kind, client.post("/chat/completions", json=body), False)
                kind, body = talk.send(got)
        except StopIteration:
            pass


async def run_async(base, stream):
    async with httpx.AsyncClient(base_url=base, headers={"authorization": "Bearer sk-test"}, timeout=30) as client:
        talk = conversation(None, stream)
        kind, body = next(talk)
        try:
            while True:
                if body.get("stream"):
                    async with client.stream("POST", "/chat/completions", json=body) as r:
                        got = read(kind, [line async for line in r.aiter_lines()], True)
                else:
                    got = read(kind, await client.post("/chat/completions", json=body), False)
                kind, body = talk.send(got)
        except StopIteration:
            pass


if __name__ == "__main__":
    base = sys.argv[1]
    stream = bool(os.environ.get("LIVE_APP_STREAM"))
    if os.environ.get("LIVE_APP_ASYNC"):
        asyncio.run(run_async(base, stream))
    else:
        run_sync(base, stream)
