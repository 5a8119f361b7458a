// How to point an app outside the editor at the receiver, per language: the SDK set-up with a
// short export delay (many set-ups built by hand ignore OTEL_BSP_SCHEDULE_DELAY and wait 5 s) and
// the content switch. "Connect My App…" opens one as a document; the walkthrough's markdown shows
// the same text (a test holds them together). Lines stay within 64 characters: the walkthrough
// shows them in half an editor's width.
export interface SetupGuide {
  id: 'python' | 'node' | 'java' | 'go' | 'dotnet';
  label: string;
  /** The language of the document it opens in. */
  language: string;
  /** In one sentence, how this SDK gets a short export delay (said when its runs arrive late). */
  shortDelay: string;
  text(endpoint: string): string;
}

const hostPort = (endpoint: string) => endpoint.replace(/^https?:\/\//, '').replace(/\/$/, '');

export const SETUP_GUIDES: SetupGuide[] = [
  {
    id: 'python', label: 'Python', language: 'python',
    shortDelay: 'Set OTEL_BSP_SCHEDULE_DELAY=200, or pass schedule_delay_millis=200 to BatchSpanProcessor.',
    text: (e) => `# pip install opentelemetry-sdk \\
#   opentelemetry-exporter-otlp-proto-http \\
#   opentelemetry-instrumentation-openai-v2
# Run this before the app imports openai.
import os

# Prompts and answers, in the spans (the newest conventions).
os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN",
                      "gen_ai_latest_experimental")
os.environ.setdefault(
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
    "span_only")

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter \\
    import OTLPSpanExporter
from opentelemetry.instrumentation.openai_v2 import (
    OpenAIInstrumentor,
)

provider = TracerProvider(resource=Resource.create(
    {"service.name": "my-agent"}))
provider.add_span_processor(BatchSpanProcessor(
    OTLPSpanExporter(
        endpoint="${e}/v1/traces"),
    schedule_delay_millis=200,  # runs show at once
))
trace.set_tracer_provider(provider)
OpenAIInstrumentor().instrument()
`,
  },
  {
    id: 'node', label: 'Node.js / TypeScript', language: 'typescript',
    shortDelay: 'A BatchSpanProcessor built by hand does not read OTEL_BSP_SCHEDULE_DELAY: pass scheduledDelayMillis: 200 to it.',
    text: (e) => `// npm i @opentelemetry/api @opentelemetry/resources \\
//   @opentelemetry/sdk-trace @opentelemetry/sdk-logs \\
//   @opentelemetry/context-async-hooks \\
//   @opentelemetry/exporter-trace-otlp-proto \\
//   @opentelemetry/exporter-logs-otlp-proto \\
//   @opentelemetry/instrumentation \\
//   @opentelemetry/instrumentation-openai
// tracing.ts: import it first in your entry file, before
// the OpenAI client (a CommonJS build).
import { context, logs, trace } from '@opentelemetry/api';
import {
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  TracerProvider, BatchSpanProcessor,
} from '@opentelemetry/sdk-trace';
import {
  LoggerProvider, BatchLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  AsyncLocalStorageContextManager,
} from '@opentelemetry/context-async-hooks';
import {
  OTLPTraceExporter,
} from '@opentelemetry/exporter-trace-otlp-proto';
import {
  OTLPLogExporter,
} from '@opentelemetry/exporter-logs-otlp-proto';
import {
  registerInstrumentations,
} from '@opentelemetry/instrumentation';
import {
  OpenAIInstrumentation,
} from '@opentelemetry/instrumentation-openai';

const resource = resourceFromAttributes({
  'service.name': 'my-agent',
});
// Built by hand, the processors do not read
// OTEL_BSP_SCHEDULE_DELAY: give the delay here.
const tracerProvider = new TracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor({
    exporter: new OTLPTraceExporter({
      url: '${e}/v1/traces',
    }),
    scheduledDelayMillis: 200,
  })],
});
// This instrumentation sends prompts and answers
// as log records: export those too.
const loggerProvider = new LoggerProvider({
  resource,
  processors: [new BatchLogRecordProcessor({
    exporter: new OTLPLogExporter({
      url: '${e}/v1/logs',
    }),
    scheduledDelayMillis: 200,
  })],
});
trace.setGlobalTracerProvider(tracerProvider);
logs.setGlobalLoggerProvider(loggerProvider);
context.setGlobalContextManager(
  new AsyncLocalStorageContextManager().enable());
registerInstrumentations({
  tracerProvider, loggerProvider,
  instrumentations: [new OpenAIInstrumentation({
    captureMessageContent: true, // prompts, answers
  })],
});
// What is still queued is sent before the app exits.
process.once('beforeExit', () => {
  void tracerProvider.shutdown();
  void loggerProvider.shutdown();
});
`,
  },
  {
    id: 'java', label: 'Java', language: 'shellscript',
    shortDelay: 'Set OTEL_BSP_SCHEDULE_DELAY=200 for the Java agent.',
    text: (e) => `# The OpenTelemetry Java agent reads these (it exports
# logs too, which carry the prompts and answers):
export OTEL_SERVICE_NAME=my-agent
export OTEL_EXPORTER_OTLP_ENDPOINT=${e}
export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
export OTEL_BSP_SCHEDULE_DELAY=200
export OTEL_BLRP_SCHEDULE_DELAY=200
export OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true
java -javaagent:opentelemetry-javaagent.jar -jar app.jar
`,
  },
  {
    id: 'go', label: 'Go', language: 'go',
    shortDelay: 'Pass sdktrace.WithBatchTimeout(200*time.Millisecond) to WithBatcher.',
    text: (e) => `// sdktrace: go.opentelemetry.io/otel/sdk/trace
// otlptracehttp: go.opentelemetry.io/otel/exporters/
//   otlp/otlptrace/otlptracehttp
// resource: go.opentelemetry.io/otel/sdk/resource
// semconv: go.opentelemetry.io/otel/semconv/v1.26.0
exp, err := otlptracehttp.New(ctx,
	otlptracehttp.WithEndpoint("${hostPort(e)}"),
	otlptracehttp.WithInsecure())
if err != nil {
	log.Fatal(err)
}
tp := sdktrace.NewTracerProvider(
	sdktrace.WithResource(resource.NewSchemaless(
		semconv.ServiceName("my-agent"))),
	sdktrace.WithBatcher(exp,
		// runs show at once (the default waits 5 s)
		sdktrace.WithBatchTimeout(200*time.Millisecond)))
otel.SetTracerProvider(tp)
defer tp.Shutdown(ctx)
`,
  },
  {
    id: 'dotnet', label: '.NET', language: 'csharp',
    shortDelay: 'Set BatchExportProcessorOptions.ScheduledDelayMilliseconds = 200 in AddOtlpExporter.',
    text: (e) => `// dotnet add package OpenTelemetry.Extensions.Hosting
// dotnet add package \\
//   OpenTelemetry.Exporter.OpenTelemetryProtocol
// Prompts and answers: Microsoft.Extensions.AI's
// .UseOpenTelemetry(configure: c =>
//     c.EnableSensitiveData = true) on the chat client.
builder.Services.AddOpenTelemetry()
    .ConfigureResource(r => r.AddService("my-agent"))
    .WithTracing(t => t
        .AddSource("Experimental.Microsoft.Extensions.AI*")
        .AddSource("OpenAI.*")
        .AddOtlpExporter(o =>
        {
            o.Endpoint =
                new Uri("${e}/v1/traces");
            o.Protocol = OtlpExportProtocol.HttpProtobuf;
            // runs show at once (the default waits 5 s)
            o.BatchExportProcessorOptions
                .ScheduledDelayMilliseconds = 200;
        }));
`,
  },
];

/** How to get a short export delay when the SDK is not known. */
export const SHORT_DELAY_ANY = 'Set OTEL_BSP_SCHEDULE_DELAY=200 in its environment, or give its batch span processor a 200 ms delay.';

/** The guide for a language as the telemetry names it (`telemetry.sdk.language`). */
export function guideForSdkLanguage(language: string | undefined): SetupGuide | undefined {
  const id = language === 'nodejs' || language === 'webjs' ? 'node' : language === 'cpp' ? undefined : language;
  return SETUP_GUIDES.find((g) => g.id === id);
}

const FENCE: Record<string, string> = { python: 'python', typescript: 'ts', shellscript: 'sh', go: 'go', csharp: 'csharp' };

/** The walkthrough's "Point your app at it" page (media/walkthrough/point.md), from the guides. */
export function walkthroughMarkdown(endpoint = 'http://127.0.0.1:4318'): string {
  let md = `# Point your app at it

**From this window's terminals and debug sessions: nothing to do.** Agent Lens adds
the OpenTelemetry environment (\`OTEL_EXPORTER_OTLP_ENDPOINT\`, a 200 ms export delay, content
capture on), so \`python app.py\` or \`npm run dev\` there just shows up.

**Elsewhere**, set up the SDK as below (or **Agent Lens: Connect My App…**, which opens it
with this window's endpoint). The export delay matters: the SDKs wait 5 s by default, and a
span processor built by hand often ignores \`OTEL_BSP_SCHEDULE_DELAY\`, so runs show up late
and in one piece. Agent Lens tells you when a service's runs arrive that way.
`;
  for (const g of SETUP_GUIDES) md += `\n## ${g.label}\n\n\`\`\`${FENCE[g.language] ?? ''}\n${g.text(endpoint)}\`\`\`\n`;
  return md;
}
