// OTLP/HTTP: POST /v1/traces, /v1/logs, /v1/metrics in protobuf or JSON, plain or gzip, with
// CORS so browser apps can export too (which origins may is the server's call, made before these
// run). Reads bodies under a size limit and an idle timeout.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decompress, formatOf, OtlpRequestError, type Format } from './decode';
import {
  exportResponseJson, exportResponseProto, statusJson, statusProto,
  GRPC_INVALID_ARGUMENT, GRPC_RESOURCE_EXHAUSTED, GRPC_UNAVAILABLE, type Signal,
} from './responses';

export interface ReceiverLimits {
  /** Largest request body as sent (compressed or not). */
  maxBodyBytes: number;
  /** Largest body after decompression. */
  maxDecompressedBytes: number;
  /** A client that sends nothing for this long mid-body gets 408. */
  bodyIdleMs: number;
}

export type AcceptFn = (signal: Signal, format: Format, body: Buffer) => { rejected: number; message: string };

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };

export function otlpSignalOf(pathname: string): Signal | undefined {
  return PATHS[pathname];
}

/** CORS headers for a request whose Origin the server has already allowed (none without an Origin). */
function cors(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Vary', 'Origin');
  if (req.headers.origin !== undefined) res.setHeader('Access-Control-Allow-Origin', req.headers.origin);
}

export function handleOtlpPreflight(req: IncomingMessage, res: ServerResponse): void {
  cors(req, res);
  res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'content-type, content-encoding');
  res.setHeader('Access-Control-Max-Age', '86400');
  res.writeHead(204).end();
}

function readBody(req: IncomingMessage, limits: ReceiverLimits): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? -1);
    if (declared > limits.maxBodyBytes) {
      reject(new OtlpRequestError(413, `the body is ${declared} bytes; the receiver takes at most ${limits.maxBodyBytes}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined, body?: Buffer) => {
      if (done) return;
      done = true;
      req.setTimeout(0);
      if (err) reject(err); else resolve(body!);
    };
    req.setTimeout(limits.bodyIdleMs, () => finish(new OtlpRequestError(408, `no data for ${limits.bodyIdleMs} ms in the middle of the body`)));
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limits.maxBodyBytes) finish(new OtlpRequestError(413, `the body is over ${limits.maxBodyBytes} bytes, the receiver's limit`));
      else if (!done) chunks.push(c);
    });
    req.on('end', () => finish(undefined, Buffer.concat(chunks, size)));
    req.on('aborted', () => finish(new OtlpRequestError(400, 'the client closed the connection mid-body')));
    req.on('error', (e) => finish(new OtlpRequestError(400, `reading the body failed: ${e.message}`)));
  });
}

function send(res: ServerResponse, status: number, format: Format, body: Buffer | string, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  res.setHeader('Content-Type', format === 'proto' ? 'application/x-protobuf' : 'application/json');
  if (close) res.setHeader('Connection', 'close');
  res.writeHead(status);
  res.end(body);
  // After refusing a body mid-stream, the rest of it is not worth reading.
  if (close) res.on('finish', () => res.req.socket?.destroy());
}

export async function handleOtlpPost(
  signal: Signal, req: IncomingMessage, res: ServerResponse, limits: ReceiverLimits, accept: AcceptFn,
): Promise<void> {
  cors(req, res);
  const format = formatOf(req.headers['content-type']);
  try {
    if (!format) {
      throw new OtlpRequestError(415, `unsupported Content-Type "${req.headers['content-type'] ?? ''}": send application/x-protobuf or application/json`);
    }
    const raw = await readBody(req, limits);
    const body = await decompress(raw, req.headers['content-encoding'], limits.maxDecompressedBytes);
    const { rejected, message } = accept(signal, format, body);
    send(res, 200, format, format === 'proto' ? exportResponseProto(rejected, message) : exportResponseJson(signal, rejected, message), false);
  } catch (e) {
    const err = e instanceof OtlpRequestError ? e : new OtlpRequestError(400, (e as Error).message);
    const grpcCode = err.status === 413 ? GRPC_RESOURCE_EXHAUSTED : err.status === 408 || err.status === 503 ? GRPC_UNAVAILABLE : GRPC_INVALID_ARGUMENT;
    const f = format ?? 'json';
    const close = err.status === 413 || err.status === 408 || !req.complete;
    // Not kept, through no fault of the sender: exporters retry a 503, after this long.
    if (err.status === 503 && !res.headersSent) res.setHeader('Retry-After', '5');
    send(res, err.status, f, f === 'proto' ? statusProto(grpcCode, err.message) : statusJson(grpcCode, err.message), close);
  }
}
