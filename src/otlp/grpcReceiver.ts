// OTLP/gRPC: the trace, logs and metrics Export services (gzip is handled by grpc-js). Messages
// pass through grpc-js as raw bytes so that a malformed one gets INVALID_ARGUMENT with our message
// (a throwing deserializer would surface as INTERNAL).
import * as grpc from '@grpc/grpc-js';
import { OtlpRequestError } from './decode';
import { exportResponseProto, type Signal } from './responses';
import type { AcceptFn } from './httpReceiver';

const SERVICES: [Signal, string][] = [
  ['traces', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'],
  ['logs', '/opentelemetry.proto.collector.logs.v1.LogsService/Export'],
  ['metrics', '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'],
];

const identity = (b: Buffer) => b;

export interface GrpcReceiver {
  port: number;
  close(): Promise<void>;
}

export async function startGrpcReceiver(host: string, port: number, maxMessageBytes: number, accept: AcceptFn): Promise<GrpcReceiver> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  for (const [signal, path] of SERVICES) {
    const def: grpc.ServiceDefinition = {
      Export: {
        path, requestStream: false, responseStream: false,
        requestSerialize: identity, requestDeserialize: identity,
        responseSerialize: identity, responseDeserialize: identity,
      },
    };
    server.addService(def, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        try {
          const { rejected, message } = accept(signal, 'proto', call.request);
          callback(null, exportResponseProto(rejected, message));
        } catch (e) {
          const code = e instanceof OtlpRequestError && e.status === 413 ? grpc.status.RESOURCE_EXHAUSTED
            : e instanceof OtlpRequestError && e.status === 503 ? grpc.status.UNAVAILABLE : grpc.status.INVALID_ARGUMENT;
          callback({ code, details: (e as Error).message });
        }
      },
    });
  }
  const bound = await new Promise<number>((resolve, reject) => {
    const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => {
      const t = setTimeout(() => { server.forceShutdown(); resolve(); }, 2000);
      server.tryShutdown(() => { clearTimeout(t); resolve(); });
    }),
  };
}
