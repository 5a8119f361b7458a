// Definitions by name over real-looking source: Python (Strands, Pydantic AI, LangChain, the OpenAI
// Agents SDK decorators), TypeScript (Vercel AI SDK tools), agents by name, prompts by their text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findDefinitions } from '../../src/source/definitions';
import { truthOf } from '../helpers/captures';

const PY = `from strands import Agent, tool

SYSTEM = "You are support-desk, the customer-support agent of Lumen & Oak, an online homeware shop."

def lookup_order_helper(order_id):
    return ORDERS[order_id]

@tool
def lookup_order(order_id: str) -> str:
    """Look up an order."""
    return json.dumps(lookup_order_helper(order_id))

@agent.tool_plain
async def issue_refund(order_id: str, amount_usd: float, reason: str) -> str:
    return refund(order_id, amount_usd, reason)

desk = Agent(name="support-desk", system_prompt=SYSTEM, tools=[lookup_order, issue_refund])
`;
const TS = `import { generateText, tool } from 'ai';
export const tools = {
  get_weather: tool({
    description: 'Weather forecast for a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => forecast(city),
  }),
};
const planner = new Agent({ name: 'travel-planner', instructions: 'Plan trips.' });
`;
const files: [string, string][] = [['/ws/agent.py', PY], ['/ws/tools.ts', TS], ['/ws/README.md', 'Call lookup_order to find an order.']];

test('tools: the decorated Python function first, Vercel AI SDK tools by key, nothing from prose', () => {
  const lookup = findDefinitions('tool', 'lookup_order', files);
  assert.deepEqual(lookup[0], { path: '/ws/agent.py', line: 9, function: 'lookup_order', how: 'definition', confidence: 0.95 });
  assert.ok(!lookup.some((l) => l.path.endsWith('README.md')));
  assert.equal(findDefinitions('tool', 'issue_refund', files)[0]!.line, 14);
  assert.deepEqual(findDefinitions('tool', 'get_weather', files).map((l) => `${l.path}:${l.line}`), ['/ws/tools.ts:3']);
  assert.deepEqual(findDefinitions('tool', 'no_such_tool', files), []);
});

test('tools as functions in an object or as methods (the sample agent\'s TOOL_IMPL), not the call that runs them', () => {
  const demo = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'demo', 'demo.ts'), 'utf8');
  const lines = demo.split('\n');
  for (const tool of ['get_weather', 'search_flights', 'book_flight', 'send_confirmation']) {
    const [best] = findDefinitions('tool', tool, [['/ws/demo.ts', demo]]);
    assert.ok(best, tool);
    assert.match(lines[best.line - 1]!, new RegExp(`^\\s*${tool}: async \\(a\\) =>`), `${tool} at line ${best.line}: ${lines[best.line - 1]}`);
  }
  const cls = 'class Tools {\n  async lookup_order(orderId: string): Promise<string> {\n    return db.find(orderId);\n  }\n}\nawait tools.lookup_order(id);\n';
  assert.deepEqual(findDefinitions('tool', 'lookup_order', [['/ws/tools.ts', cls]]).map((l) => l.line), [2]);
});

test('agents by name, and a prompt by its text', () => {
  assert.equal(findDefinitions('agent', 'support-desk', files)[0]!.line, 17);
  assert.equal(findDefinitions('agent', 'travel-planner', files)[0]!.path, '/ws/tools.ts');
  // The captured runs' system prompt, as the model was given it, is found where the app wrote it.
  const system = (truthOf('strands').scenario as { system_prompt: string }).system_prompt;
  assert.ok(system.startsWith('You are support-desk, the customer-support agent'));
  const found = findDefinitions('prompt', system, files);
  assert.deepEqual(found.map((l) => `${l.path}:${l.line}:${l.column} ${l.how}`), ['/ws/agent.py:3:11 prompt-text']);
  assert.deepEqual(findDefinitions('prompt', 'Hi', files), [], 'too short to tell');
});
