// Definitions by name, for steps whose spans say nothing of the code: the function that implements
// a tool (`def get_weather`, `@tool`/`@function_tool`/`@agent.tool` above it, `tool({…})` in the
// Vercel AI SDK, `FunctionTool(...)`), where an agent is defined (`Agent(name="…")`,
// `create_react_agent(…, name="…")`, `new Agent({ name: '…' })`), and where a prompt's text is
// written (a string literal or a prompt file). Editor-free: the editor hands in file texts.
import type { SourceLocation } from '../protocol';

export type DefinitionKind = 'tool' | 'agent' | 'prompt';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Patterns for a name, most specific first, with how sure a match makes us. */
function patterns(kind: 'tool' | 'agent', name: string): [RegExp, number][] {
  const n = escapeRe(name);
  if (kind === 'tool') {
    return [
      // Python: a decorated function of that name (the decorator is checked separately), then any def.
      [new RegExp(`^\\s*(async\\s+)?def\\s+${n}\\s*\\(`), 0.8],
      // JS/TS: a tool object under that key (Vercel AI SDK tools map), or a tool() / FunctionTool() with that name.
      [new RegExp(`^\\s*["']?${n}["']?\\s*:\\s*(ai\\.)?tool\\s*\\(`), 0.85],
      [new RegExp(`(tool|FunctionTool|StructuredTool|DynamicTool)\\s*\\(\\s*\\{[^}]*name\\s*:\\s*["'\`]${n}["'\`]`), 0.85],
      [new RegExp(`name\\s*[:=]\\s*["'\`]${n}["'\`]`), 0.5],
      [new RegExp(`^\\s*(export\\s+)?(async\\s+)?function\\s+${n}\\s*\\(`), 0.7],
      [new RegExp(`^\\s*(export\\s+)?const\\s+${n}\\s*=`), 0.6],
      // JS/TS: a function under that key in an object of tools ({ get_weather: async (a) => … }), or a method of that name.
      [new RegExp(`^\\s*["']?${n}["']?\\s*:\\s*(async\\s+)?(function\\b|\\([^)]*\\)\\s*=>|\\w+\\s*=>)`), 0.6],
      [new RegExp(`^\\s*(async\\s+)?${n}\\s*\\([^)]*\\)\\s*(:\\s*[^{]+)?\\{\\s*$`), 0.5],
    ];
  }
  return [
    [new RegExp(`\\b(Agent|create_react_agent|create_agent|ChatAgent|AssistantAgent)\\s*\\([^)]*name\\s*=\\s*["']${n}["']`), 0.85],
    [new RegExp(`new\\s+Agent\\s*\\(\\s*\\{[^}]*name\\s*:\\s*["'\`]${n}["'\`]`), 0.85],
    [new RegExp(`name\\s*[:=]\\s*["'\`]${n}["'\`]`), 0.5],
  ];
}

const TOOL_DECORATOR = /^\s*@(\w+\.)?(tool|function_tool|tool_plain)\b/;

/**
 * Where a tool, agent or prompt is defined, best first, over the given files (path → text). A
 * prompt is found by its first 60 characters (or all of it when shorter) within a line.
 */
export function findDefinitions(kind: DefinitionKind, name: string, files: Iterable<[string, string]>): SourceLocation[] {
  const out: SourceLocation[] = [];
  if (!name.trim()) return out;
  const probe = kind === 'prompt' ? name.trim().split('\n')[0]!.slice(0, 60) : undefined;
  if (probe !== undefined && probe.length < 12) return out; // too short to tell a prompt from any text
  const pats = kind === 'prompt' ? [] : patterns(kind, name);
  for (const [path, text] of files) {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (probe !== undefined) {
        const col = l.indexOf(probe);
        if (col >= 0) out.push({ path, line: i + 1, column: col + 1, how: 'prompt-text', confidence: 0.7 });
        continue;
      }
      for (const [re, confidence] of pats) {
        if (!re.test(l)) continue;
        // A Python function under a tool decorator is the tool for sure.
        let c = confidence;
        if (kind === 'tool' && /def\s/.test(l)) for (let j = i - 1; j >= 0 && /^\s*@/.test(lines[j]!); j--) if (TOOL_DECORATOR.test(lines[j]!)) c = 0.95;
        out.push({ path, line: i + 1, function: name, how: 'definition', confidence: c });
        break;
      }
    }
  }
  return out.sort((a, b) => b.confidence - a.confidence);
}
