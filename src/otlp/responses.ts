// Export*ServiceResponse (with partial_success) and google.rpc.Status bodies, in protobuf and JSON.
// Hand-written: each is two fields, smaller than pulling a protobuf runtime into the server bundle.

export type Signal = 'traces' | 'logs' | 'metrics';

const REJECTED_JSON: Record<Signal, string> = { traces: 'rejectedSpans', logs: 'rejectedLogRecords', metrics: 'rejectedDataPoints' };

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}

function lenField(field: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(payload.length)]), payload]);
}

/** ExportXServiceResponse{ partial_success{ rejected=1, error_message=2 } }; empty when all was accepted. */
export function exportResponseProto(rejected: number, message: string): Buffer {
  if (rejected === 0 && !message) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  if (rejected) parts.push(Buffer.from([(1 << 3) | 0, ...varint(rejected)]));
  if (message) parts.push(lenField(2, Buffer.from(message, 'utf8')));
  return lenField(1, Buffer.concat(parts));
}

export function exportResponseJson(signal: Signal, rejected: number, message: string): string {
  if (rejected === 0 && !message) return '{}';
  return JSON.stringify({ partialSuccess: { [REJECTED_JSON[signal]]: String(rejected), errorMessage: message } });
}

/** google.rpc.Status{ code=1, message=2 }, the body OTLP/HTTP sends with an error status. */
export function statusProto(grpcCode: number, message: string): Buffer {
  return Buffer.concat([Buffer.from([(1 << 3) | 0, ...varint(grpcCode)]), lenField(2, Buffer.from(message, 'utf8'))]);
}

export function statusJson(grpcCode: number, message: string): string {
  return JSON.stringify({ code: grpcCode, message });
}

export const GRPC_INVALID_ARGUMENT = 3;
export const GRPC_RESOURCE_EXHAUSTED = 8;
export const GRPC_UNAVAILABLE = 14;
