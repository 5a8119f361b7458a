// The live gate's Agents SDK app as an ES module (test/capture/nodeGate.test.ts): the same agent as
// liveApp.ts's LIVE_APP_SDK=agents, loading @openai/agents with `import`, where a module's exports
// cannot be replaced as they are for `require`. Usage: node live_agents_esm.mjs <mock model url>.
// Its tools log "TOOL <name> <json of their arguments>"; the final answer "ANSWER <text>".
import { Agent, run, tool, setTracingDisabled } from '@openai/agents';
import { z } from 'zod';

process.env.OPENAI_BASE_URL = process.argv[2];
process.env.OPENAI_API_KEY = 'sk-test';
setTracingDisabled(true);
const getWeather = tool({
  name: 'get_weather', description: 'Weather forecast for a city', parameters: z.object({ city: z.string(), unit: z.string() }),
  execute: async (args) => { process.stdout.write(`TOOL get_weather ${JSON.stringify(args)}\n`); return { forecast: 'sunny', high_c: 18 }; },
});
const searchFlights = tool({
  name: 'search_flights', description: 'Cheapest flights', parameters: z.object({ from: z.string(), to: z.string(), date: z.string() }),
  execute: async (args) => { process.stdout.write(`TOOL search_flights ${JSON.stringify(args)}\n`); return { flight: 'TP 541', price_eur: 89 }; },
});
const agent = new Agent({ name: 'live-agent', instructions: 'You plan trips. Use the tools.', model: 'gpt-4o-mini', tools: [getWeather, searchFlights] });
const result = await run(agent, 'What is the weather in Lisbon, and the cheapest flight there from Berlin on Dec 4?');
process.stdout.write(`ANSWER ${String(result.finalOutput)}\n`);
