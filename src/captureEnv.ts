// Zero-configuration capture: the environment that makes an app started from the editor (an
// integrated terminal, a debug session) send its telemetry here. Pure, unit-tested in Node.

export interface CaptureOptions {
  inject: boolean;
  trusted: boolean;
  batchDelayMs: number;
  messageContent: boolean;
  /** Record where in the code each GenAI span was started (the Node helper, `nodeHelper`). */
  callSites?: boolean;
  /** The shipped Node capture helper (dist/capture-node.js). */
  nodeHelper?: string;
  /** The directory of the shipped Python capture helper (dist/capture-python, a sitecustomize). */
  pythonHelperDir?: string;
  /** PYTHONPATH's separator on the app's machine (path.delimiter). */
  pathDelimiter?: string;
  /** The live gate in the Node helper (debugger's live attach): the receiver's token and how long a call may stay paused. */
  live?: { token: string; pauseTimeoutSeconds: number };
}

/** The variables injected, and what each is for (the README lists the same). */
export const CAPTURE_VARIABLES: Record<string, string> = {
  OTEL_EXPORTER_OTLP_ENDPOINT: 'where the SDK exports: this receiver (OTLP/HTTP)',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf (every SDK speaks it; Python and Java default to it, Node to JSON)',
  OTEL_BSP_SCHEDULE_DELAY: 'batch span delay in ms: spans show up while you watch (the default is 5000)',
  OTEL_BLRP_SCHEDULE_DELAY: 'the same for log records (GenAI events)',
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'OpenTelemetry GenAI instrumentations record prompts and outputs',
  TRACELOOP_TRACE_CONTENT: 'OpenLLMetry records prompts and outputs',
  NODE_OPTIONS: 'appended: --require of the call-site helper, which puts code.* attributes (file, line, function) on GenAI spans of Node apps',
  PYTHONPATH: 'prepended: the directory of the call-site helper for Python apps (a sitecustomize that runs the existing one too)',
  AGENT_LENS_LIVE_URL: 'where the helpers\' live gate connects (the receiver\'s /live): the debugger\'s live attach stops model and tool calls there',
  AGENT_LENS_TOKEN: 'the receiver\'s token, for the live gate\'s connection',
  AGENT_LENS_LIVE_PAUSE_TIMEOUT_SECONDS: 'how long a call may stay paused before it goes on unchanged (agentLens.live.pauseTimeoutSeconds)',
};

export interface CapturePlan {
  /** Variables to set; empty when nothing is injected. */
  env: Record<string, string>;
  /** Text to append to variables (NODE_OPTIONS: the app's own options stay). */
  append: Record<string, string>;
  /** Text to put in front of variables (PYTHONPATH: the helper's sitecustomize must come first, then hands over). */
  prepend: Record<string, string>;
  /** Why nothing is injected, or which variables were left to the user. */
  notes: string[];
}

/**
 * What to inject for a receiver at `endpoint` (`http://host:port`). Nothing in an untrusted
 * workspace or when turned off; a variable the editor's own environment already sets is left
 * alone (the user chose it).
 */
export function capturePlan(endpoint: string, o: CaptureOptions, existing: Record<string, string | undefined> = {}): CapturePlan {
  if (!o.inject) return { env: {}, append: {}, prepend: {}, notes: ['capture injection is off (agentLens.capture.injectEnvironment)'] };
  if (!o.trusted) return { env: {}, append: {}, prepend: {}, notes: ['this workspace is not trusted: nothing is injected into its terminals and debug sessions'] };
  const all: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_BSP_SCHEDULE_DELAY: String(o.batchDelayMs),
    OTEL_BLRP_SCHEDULE_DELAY: String(o.batchDelayMs),
  };
  if (o.messageContent) {
    all.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    all.TRACELOOP_TRACE_CONTENT = 'true';
  }
  const env: Record<string, string> = {};
  const notes: string[] = [];
  for (const [k, v] of Object.entries(all)) {
    if (existing[k] !== undefined && existing[k] !== '') notes.push(`${k} is already set in the editor's environment (${existing[k]}); left as it is`);
    else env[k] = v;
  }
  const append: Record<string, string> = {};
  const prepend: Record<string, string> = {};
  if (o.callSites === false) notes.push('call sites are not recorded (agentLens.capture.callSites is off)');
  else {
    // Quoted: NODE_OPTIONS splits on spaces, and extension folders can contain them.
    if (o.nodeHelper) append.NODE_OPTIONS = ` --require "${o.nodeHelper.replace(/"/g, '\\"')}"`;
    // The live gate rides in the helpers: the debugger's live attach can stop the app's calls.
    if ((o.nodeHelper || o.pythonHelperDir) && o.live) {
      env.AGENT_LENS_LIVE_URL = `${endpoint.replace(/^http/, 'ws')}/live`;
      env.AGENT_LENS_TOKEN = o.live.token;
      env.AGENT_LENS_LIVE_PAUSE_TIMEOUT_SECONDS = String(o.live.pauseTimeoutSeconds);
    }
    if (o.pythonHelperDir) prepend.PYTHONPATH = `${o.pythonHelperDir}${o.pathDelimiter ?? ':'}`;
  }
  return { env, append, prepend, notes };
}

/** A debug configuration's environment with the capture variables under it: the configuration's own win. */
export function withCaptureEnv(configEnv: Record<string, string | null | undefined> | undefined, plan: CapturePlan, existing: Record<string, string | undefined> = {}): Record<string, string | null | undefined> {
  const out: Record<string, string | null | undefined> = { ...plan.env, ...(configEnv ?? {}) };
  // Appended to what the configuration (or else the editor's environment) has.
  for (const [k, v] of Object.entries(plan.append)) out[k] = `${configEnv?.[k] ?? existing[k] ?? ''}${v}`.trim();
  for (const [k, v] of Object.entries(plan.prepend)) {
    const rest = configEnv?.[k] ?? existing[k] ?? '';
    out[k] = rest ? `${v}${rest}` : v.slice(0, -1); // no empty entry: Python reads one as the current directory
  }
  return out;
}
