// One entry point from (signal, content type, content encoding, bytes) to decoded records, shared
// by the HTTP and gRPC endpoints, the importer and the replay of the store's files.
import type { ScanKeys } from './records';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from './decodeProto';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decodeJson';
import { OtlpDecodeError, type DecodedLogs, type DecodedMetrics, type DecodedTraces } from './records';
import type { Signal } from './responses';

export type Format = 'proto' | 'json';

export type Decoded =
  | { signal: 'traces'; data: DecodedTraces }
  | { signal: 'logs'; data: DecodedLogs }
  | { signal: 'metrics'; data: DecodedMetrics };

/** A request the receiver refuses, with the HTTP status and the message to send back: 400/413/415 for what the sender must change, 408/503 for what it may retry (503: the receiver could not keep it). */
export class OtlpRequestError extends Error {
  constructor(readonly status: 400 | 408 | 413 | 415 | 503, message: string) {
    super(message);
  }
}

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export function formatOf(contentType: string | undefined): Format | undefined {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'proto';
  if (ct === 'application/json') return 'json';
  return undefined;
}

/** Undoes Content-Encoding, refusing output larger than `maxBytes` (a gzip bomb gets 413, not our memory). */
export async function decompress(body: Buffer, encoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === '' || enc === 'identity' || enc === 'none') return body;
  if (enc !== 'gzip' && enc !== 'deflate') throw new OtlpRequestError(415, `unsupported Content-Encoding "${enc}" (use gzip or none)`);
  try {
    return await (enc === 'gzip' ? gunzipAsync : inflateAsync)(body, { maxOutputLength: maxBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new OtlpRequestError(413, `the ${enc} body expands to more than ${maxBytes} bytes (the receiver's limit)`);
    }
    throw new OtlpRequestError(400, `the body is not valid ${enc} data: ${err.message}`);
  }
}

/**
 * Decodes one request body. `keys`: the span attributes whose values ingest needs decoded (the
 * normalizer's list, passed in by the ingest wiring: otlp/ knows nothing of GenAI).
 */
export function decodeBody(signal: Signal, format: Format, body: Buffer, keys: ScanKeys): Decoded {
  try {
    if (format === 'proto') {
      if (signal === 'traces') return { signal, data: decodeTracesProto(body, keys) };
      if (signal === 'logs') return { signal, data: decodeLogsProto(body) };
      return { signal, data: decodeMetricsProto(body) };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new OtlpDecodeError(`the body is not valid JSON: ${(e as Error).message}`);
    }
    if (signal === 'traces') return { signal, data: decodeTracesJson(parsed) };
    if (signal === 'logs') return { signal, data: decodeLogsJson(parsed) };
    return { signal, data: decodeMetricsJson(parsed) };
  } catch (e) {
    if (e instanceof OtlpDecodeError) throw new OtlpRequestError(400, e.message);
    // A decoder bug must not take the server down, and the sender should know its data was refused.
    throw new OtlpRequestError(400, `could not decode the ${format} body: ${(e as Error).message}`);
  }
}
