// What the replay adapter can do, as it tells the editor at initialize: step back, conditions and
// hit counts, function and exception breakpoints (failed steps, model calls cut short), hovers,
// goto targets.
import type { DebugProtocol } from '@vscode/debugprotocol';

export const CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsFunctionBreakpoints: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsStepBack: true,
  supportsEvaluateForHovers: true,
  supportsGotoTargetsRequest: true,
  supportsTerminateRequest: true,
  supportsExceptionFilterOptions: true,
  exceptionBreakpointFilters: [
    { filter: 'failed', label: 'Failed steps', description: 'Stop at a step whose status is error (a tool that raised, a model call that failed)', default: true, supportsCondition: true, conditionDescription: 'e.g. tool == "book_flight"' },
    { filter: 'truncated', label: 'Model calls cut short', description: 'Stop at a model call that ended by length or a content filter', default: false, supportsCondition: true },
  ],
};
