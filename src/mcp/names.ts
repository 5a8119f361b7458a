// A tool's name in the editor's manifest (`languageModelTools[].name`): the MCP name, prefixed.
export const lmToolName = (name: string): string => `agentLens_${name}`;
