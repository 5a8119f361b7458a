// `agent-lens mcp`: the runs as MCP tools over stdio (issue 27), for Claude Code, Cursor and any
// MCP client. It finds the running trace server the way the extension does (the state file), or
// the one `--url` names with AGENT_LENS_TOKEN, at each call: a server started (or restarted on
// another port) after the client launched this process is found. The tools are src/mcp/tools.ts;
// nothing here writes, deletes or spends money. stdout carries the protocol alone: anything else
// goes to stderr.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { readState } from '../stateFile';
import { TOOLS, runTool, type ApiGet } from './tools';

export interface McpOptions { url?: string; token?: string; version: string }

/** Where the trace server is now, or why there is none to ask. */
function locate(o: McpOptions): { base: string; token: string } | { error: string } {
  if (o.url) return { base: o.url.replace(/\/$/, ''), token: o.token ?? process.env.AGENT_LENS_TOKEN ?? '' };
  const s = readState();
  if (!s) return { error: 'no Agent Lens trace server is running on this machine: start it (`npx agent-lens serve`, `npm start` in the project, or open VS Code with the extension), then ask again' };
  return { base: `http://${s.host === '0.0.0.0' ? '127.0.0.1' : s.host}:${s.httpPort}`, token: o.token ?? s.token };
}

/** The API's GET, as the tools take it: the server's error message on a failure. */
export function apiGet(o: McpOptions): ApiGet {
  return async <T>(path: string): Promise<T> => {
    const where = locate(o);
    if ('error' in where) throw new Error(where.error);
    let res: Response;
    try {
      res = await fetch(`${where.base}${path}`, { headers: { Authorization: `Bearer ${where.token}` }, signal: AbortSignal.timeout(60_000) });
    } catch (e) {
      throw new Error(`the trace server at ${where.base} does not answer (${(e as Error).message}): is it still running?`);
    }
    const text = await res.text();
    if (!res.ok) {
      let msg = text.slice(0, 300);
      try { msg = (JSON.parse(text) as { error?: string }).error ?? msg; } catch { /* as it came */ }
      throw new Error(res.status === 401 ? `the trace server refused the token (set AGENT_LENS_TOKEN to its token): ${msg}` : msg);
    }
    return JSON.parse(text) as T;
  };
}

export async function serveMcp(o: McpOptions): Promise<void> {
  const server = new Server({ name: 'agent-lens', version: o.version }, {
    capabilities: { tools: {} },
    instructions: 'Agent Lens holds the LLM agent runs the developer\'s app sent it (OpenTelemetry): every model call with its prompt and answer, every tool call with its arguments, tokens, cost and the source line behind each step. Start with list_runs, then get_run on a run and get_step on a step; explain_failure says why a run failed.',
  });
  const get = apiGet(o);
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    const out = await runTool(req.params.name, req.params.arguments as Record<string, unknown> | undefined, get);
    return { content: [{ type: 'text' as const, text: out.text }], ...(out.isError ? { isError: true } : {}) };
  });
  await server.connect(new StdioServerTransport());
}
