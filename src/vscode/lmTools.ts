// The runs for the editor's AI (issue 27): the MCP tools (src/mcp/tools.ts) as language-model tools
// (`languageModelTools` in the manifest, `vscode.lm.registerTool`; VS Code 1.95 and later), asked
// through this window's connection to the receiver; and the `agent-lens mcp` server offered to the
// editor's MCP support (`vscode.lm.registerMcpServerDefinitionProvider`, VS Code 1.101 and later).
// Both are found at run time: the engine range stays, and an older editor gets neither (said in
// the log). Nothing here writes, deletes or spends money.
import * as vscode from 'vscode';
import type { ServerClient } from './client';
import type { Scope } from './disposables';
import { TOOLS, runTool } from '../mcp/tools';
import { lmToolName } from '../mcp/names';


// (The API as VS Code 1.95+ and 1.101+ have it; this extension builds against 1.90's types.)
interface LmApi {
  registerTool?(name: string, tool: { invoke(options: { input: unknown }, token: vscode.CancellationToken): Promise<unknown> }): vscode.Disposable;
  registerMcpServerDefinitionProvider?(id: string, provider: { onDidChangeMcpServerDefinitions?: vscode.Event<void>; provideMcpServerDefinitions(): unknown[] }): vscode.Disposable;
}
type Ctor<T> = new (...args: never[]) => T;

type McpCtor = new (label: string, command: string, args?: string[], env?: Record<string, string | number | null>, version?: string) => unknown;

export function registerLmTools(life: Scope, client: () => ServerClient | undefined, cli: string, log: (line: string) => void, onConnection: (cb: () => void) => () => void): void {
  const api = vscode as unknown as { lm?: LmApi; LanguageModelToolResult?: Ctor<unknown>; LanguageModelTextPart?: Ctor<unknown>; McpStdioServerDefinition?: Ctor<unknown> };
  const lm = api.lm;
  const Result = api.LanguageModelToolResult as (new (parts: unknown[]) => unknown) | undefined;
  const Text = api.LanguageModelTextPart as (new (text: string) => unknown) | undefined;
  // (An editor whose API differs from the one this was written for says so in the log: it never
  // stops the extension. VS Code 1.100's MCP proposal wanted another manifest entry, for one.)
  if (typeof lm?.registerTool === 'function' && Result && Text) {
    try {
      for (const t of TOOLS) {
        life.register(lm.registerTool(lmToolName(t.name), {
          invoke: async (options) => {
            const c = client();
            const out = c
              ? await runTool(t.name, (options.input ?? {}) as Record<string, unknown>, <T>(p: string) => c.request<T>('GET', p))
              : { text: 'The Agent Lens receiver is not connected yet: it starts with the editor; ask again in a moment.', isError: true };
            return new Result([new Text(out.isError ? `Error: ${out.text}` : out.text)]);
          },
        }));
      }
      log(`language-model tools: ${TOOLS.map((t) => lmToolName(t.name)).join(', ')}`);
    } catch (e) { log(`language-model tools are not registered in this editor: ${(e as Error).message}`); }
  } else log('language-model tools need VS Code 1.95 or later: not registered here');

  const Mcp = api.McpStdioServerDefinition as McpCtor | undefined;
  if (typeof lm?.registerMcpServerDefinitionProvider === 'function' && Mcp) {
    try {
      offerMcp(life, lm.registerMcpServerDefinitionProvider.bind(lm), Mcp, client, cli, onConnection);
      log('MCP server offered to the editor: agent-lens mcp');
    } catch (e) { log(`the MCP server is not offered to this editor: ${(e as Error).message}`); }
  }
}

/** `agent-lens mcp` for the editor's MCP support, pointed at this window's receiver (again when it changes). */
function offerMcp(life: Scope, register: NonNullable<LmApi['registerMcpServerDefinitionProvider']>, Mcp: McpCtor, client: () => ServerClient | undefined, cli: string, onConnection: (cb: () => void) => () => void): void {
  const changed = new vscode.EventEmitter<void>();
  life.register(register('agentLens.mcp', {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      const c = client();
      if (!c) return [];
      // (The editor's own runtime runs it: Electron as Node.)
      return [new Mcp('Agent Lens runs', process.execPath, [cli, 'mcp', '--url', c.endpoint], { ELECTRON_RUN_AS_NODE: '1', AGENT_LENS_TOKEN: c.state.token })];
    },
  }));
  life.register(changed);
  life.register({ dispose: onConnection(() => changed.fire()) });
}
