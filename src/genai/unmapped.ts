// The schema report: which GenAI-looking attributes of a span the normalizer did not read, so a gap
// in what Agent Lens understands shows up (genai.unmappedKeys) instead of passing silently.
import type { Attrs } from './attrs';

// Keys that are understood and shown as raw attributes only (request parameters, tool schemas,
// SDK settings): not reported as unmapped.
const SHOWN_RAW = /^(gen_ai\.request\.|gen_ai\.(client\.operation|execute_tool)\.duration$|gen_ai\.tool\.(definitions|type|description)$|gen_ai\.usage\.total_tokens$|gen_ai\.openai\.|gen_ai\.output\.type$|gen_ai\.data_source\.id$|llm\.invocation_parameters$|llm\.tools\.|llm\.token_count\.(total|prompt_details\.|completion_details\.)|llm\.usage\.total_tokens$|llm\.is_streaming$|llm\.headers$|llm\.frequency_penalty$|llm\.presence_penalty$|llm\.top_p$|llm\.user$|input\.mime_type$|output\.mime_type$|ai\.settings\.|ai\.request\.headers\.|ai\.response\.(providerMetadata|timestamp|msToFirstChunk|msToFinish|avgOutputTokensPerSecond|avgCompletionTokensPerSecond)$|ai\.prompt\.(tools|toolChoice)$|ai\.telemetry\.functionId$|ai\.usage\.|ai\.telemetry\.metadata\.|ai\.model\.|ai\.schema|ai\.value$|ai\.values$|ai\.embedding|traceloop\.workflow\.name$|traceloop\.association\.properties\.|traceloop\.entity\.(path|version)$|tool\.(parameters|description|json_schema|id)$|session\.|user\.id$|metadata$|tag\.tags$|llm\.prompt_template\.)/;
// Keys the Python frameworks send that are understood and shown as they are (each with why it is
// not read into the view):
const SHOWN_RAW_FRAMEWORKS = new RegExp('^(' + [
  'gen_ai\\.is_streaming$', // OpenLLMetry: whether the call streamed
  'gen_ai\\.agent\\.call\\.id$', // Pydantic AI: the id of one agent run
  'logfire\\.(msg|json_schema)$', // Pydantic AI / Logfire: display text and the attributes' schema
  'gen_ai\\.aggregated_usage\\.', // Pydantic AI: an agent's own sum over its calls; the calls count, this never adds
  'gen_ai\\.usage\\.details\\.', // Pydantic AI: the provider's token details (reasoning is read; the rest are kinds we do not price)
  'gen_ai\\.event\\.(start|end)_time$', // Strands: the span's own times again, as text
  'gen_ai\\.agent\\.tools$', // Strands: the agent's tool names
  'gen_ai\\.tool\\.(json_schema|status)$', // Strands: the tool's schema; success/error, which the span status also says
  'gen_ai\\.server\\.time_to_first_token$', // Strands: a latency, shown raw
  'pydantic_ai\\.new_message_index$', // Pydantic AI: where this run's messages start in the history it sent
].join('|') + ')');
const GENAI_LOOKING = /^(gen_ai|llm|ai|openinference|traceloop|tool|tool_call|input|output|session|agent|embedding|retrieval|reranker|document|pydantic_ai|logfire)\./;

/** GenAI-looking keys of a span that nothing read and that are not shown raw on purpose. */
export function unmapped(a: Attrs): string[] {
  const out: string[] = [];
  for (const kv of a.kvs) {
    if (GENAI_LOOKING.test(kv.key) && !a.touched!.has(kv.key) && !SHOWN_RAW.test(kv.key) && !SHOWN_RAW_FRAMEWORKS.test(kv.key)) out.push(kv.key);
  }
  return out;
}
