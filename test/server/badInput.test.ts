// A corpus of bad requests, then valid data: each bad one gets the right status and a message
// that says what was wrong, the server keeps serving, and nothing accepted before is lost.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as http from 'node:http';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { startTestServer, api } from '../helpers/server';
import { tracerProvider, emitRichTrace } from '../helpers/otel';
import type { RunningServer } from '../../src/server/server';
import type { TraceListResponse } from '../../src/protocol';

let server: RunningServer;
let validProto: Buffer;
let validJson: Buffer;
before(async () => {
  server = await startTestServer({ limits: { maxBodyBytes: 1024 * 1024, maxDecompressedBytes: 4 * 1024 * 1024, bodyIdleMs: 500 } });
  const { provider, memory, tracer } = tracerProvider('corpus', []);
  emitRichTrace(tracer, 'corpus');
  await provider.forceFlush();
  validProto = Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!);
  validJson = Buffer.from(JsonTraceSerializer.serializeRequest(memory.getFinishedSpans())!);
});
after(async () => { await server.close(); });

async function post(body: Buffer | string, headers: Record<string, string>, path = '/v1/traces') {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}${path}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
  return { status: res.status, text: Buffer.from(await res.arrayBuffer()).toString('latin1') };
}
const PB = { 'Content-Type': 'application/x-protobuf' };
const JS = { 'Content-Type': 'application/json' };

test('the corpus: each bad request gets its status and a message; valid data still goes in', async () => {
  const get = api(server);
  // Something accepted first, which no later bad request may lose.
  assert.equal((await post(validProto, PB)).status, 200);
  const before = await get<TraceListResponse>('/api/traces');
  assert.equal(before.total, 1);

  const zeroIds = JSON.parse(validJson.toString());
  zeroIds.resourceSpans[0].scopeSpans[0].spans[0].traceId = '00000000000000000000000000000000';
  const wrongType = JSON.parse(validJson.toString());
  wrongType.resourceSpans[0].scopeSpans[0].spans[0].name = 5;
  const badTime = JSON.parse(validJson.toString());
  badTime.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano = 'yesterday';
  let deep = '{"stringValue":"x"}';
  for (let i = 0; i < 200; i++) deep = `{"arrayValue":{"values":[${deep}]}}`;
  const deepBody = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","attributes":[{"key":"d","value":${deep}}]}]}]}]}`;

  const pastFixed64 = JSON.parse(validJson.toString());
  pastFixed64.resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano = '18446744073709551616';
  const unsafeNumberTime = JSON.parse(validJson.toString());
  unsafeNumberTime.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano = 1796000000000000000;
  const int64Overflow = JSON.parse(validJson.toString());
  int64Overflow.resourceSpans[0].scopeSpans[0].spans[0].attributes.push({ key: 'n', value: { intValue: '9223372036854775808' } });

  const corpus: [string, Buffer | string, Record<string, string>, number, RegExp][] = [
    ['time past 2^64 - 1', JSON.stringify(pastFixed64), JS, 400, /endTimeUnixNano: 18446744073709551616 is past the largest time OTLP can carry/],
    ['time as an unsafe JSON number', JSON.stringify(unsafeNumberTime), JS, 400, /startTimeUnixNano: .*lost its precision as a JSON number: send nanoseconds as a decimal string/],
    ['intValue past int64', JSON.stringify(int64Overflow), JS, 400, /intValue: 9223372036854775808 is outside the int64 range/],
    ['truncated protobuf', validProto.subarray(0, validProto.length - 7), PB, 400, /invalid protobuf.*(runs past|truncated)/],
    ['garbage protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]), PB, 400, /invalid protobuf/],
    ['wrong wire type', Buffer.from([0x0d, 1, 2, 3, 4]), PB, 400, /invalid protobuf/],
    ['overlong varint', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), PB, 400, /varint/],
    ['invalid JSON', '{"resourceSpans": [', JS, 400, /not valid JSON/],
    ['JSON of the wrong shape', '[1,2,3]', JS, 400, /expected an object/],
    ['wrong field type', JSON.stringify(wrongType), JS, 400, /spans\[0\]\.name: expected a string, got number/],
    ['bad time', JSON.stringify(badTime), JS, 400, /startTimeUnixNano: expected nanoseconds/],
    ['too deep', deepBody, JS, 400, /nested deeper than 64/],
    ['unknown content type', 'hello', { 'Content-Type': 'text/plain' }, 415, /unsupported Content-Type .*text\/plain/],
    ['unknown encoding', validProto, { ...PB, 'Content-Encoding': 'br' }, 415, /unsupported Content-Encoding .*br/],
    ['gzip flag on plain data', validProto, { ...PB, 'Content-Encoding': 'gzip' }, 400, /not valid gzip/],
    ['oversized body', Buffer.alloc(2 * 1024 * 1024, 1), PB, 413, /at most 1048576|over 1048576/],
    ['gzip bomb', gzipSync(Buffer.alloc(64 * 1024 * 1024)), { ...PB, 'Content-Encoding': 'gzip' }, 413, /expands to more than/],
  ];
  for (const [name, body, headers, status, message] of corpus) {
    const r = await post(body, headers);
    assert.equal(r.status, status, `${name}: status (${r.text.slice(0, 200)})`);
    assert.match(r.text, message, `${name}: message`);
  }
  // Partial success: the span with a zero trace id is rejected, the other kept.
  const partial = await post(JSON.stringify(zeroIds), JS);
  assert.equal(partial.status, 200);
  assert.deepEqual(JSON.parse(partial.text), { partialSuccess: { rejectedSpans: '1', errorMessage: 'span with an invalid trace_id (want 16 non-zero bytes)' } });

  // A client that stalls mid-body gets 408 and is dropped; others are served meanwhile.
  const stalled = await new Promise<string>((resolve) => {
    const sock = net.connect(server.httpPort, '127.0.0.1', () => {
      sock.write(`POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000\r\n\r\n`);
      sock.write(validProto.subarray(0, 10));
    });
    let got = '';
    sock.on('data', (d) => { got += d; });
    sock.on('close', () => resolve(got));
  });
  assert.match(stalled, /^HTTP\/1\.1 408/);
  assert.match(stalled, /no data for 500 ms/);

  // Valid data in both encodings still goes in, and nothing accepted earlier was lost.
  assert.equal((await post(gzipSync(validJson), { ...JS, 'Content-Encoding': 'gzip' })).status, 200);
  const afterList = await get<TraceListResponse>('/api/traces');
  assert.equal(afterList.total, 1, 'the partial request and the re-sent JSON repeat the first trace');
  const first = afterList.traces.find((t) => t.traceId === before.traces[0]!.traceId)!;
  assert.equal(first.spanCount, 2);
});

test('gRPC: malformed messages get INVALID_ARGUMENT, oversized ones RESOURCE_EXHAUSTED; valid data goes in', async () => {
  const client = new grpc.Client(`127.0.0.1:${server.grpcPort}`, grpc.credentials.createInsecure());
  const call = (body: Buffer) => new Promise<{ code: number; details: string }>((resolve) => {
    client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, (err) => {
      resolve(err ? { code: err.code!, details: err.details ?? '' } : { code: 0, details: '' });
    });
  });
  const bad = await call(validProto.subarray(0, validProto.length - 3));
  assert.equal(bad.code, grpc.status.INVALID_ARGUMENT);
  assert.match(bad.details, /invalid protobuf/);
  const big = await call(Buffer.alloc(5 * 1024 * 1024));
  assert.equal(big.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.equal((await call(validProto)).code, 0);
  client.close();
});

/** A request with headers that fetch will not let a test set (Host, Origin: null). */
function raw(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.httpPort, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('OTLP from browsers: loopback dev servers and VS Code webviews may send, other origins and foreign Hosts may not', async () => {
  const get = api(server);
  const before = (await get<TraceListResponse>('/api/traces')).total;
  const preflight = (origin: string) => raw('OPTIONS', '/v1/traces', { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' });
  for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'vscode-webview://abc123']) {
    const r = await preflight(origin);
    assert.equal(r.status, 204, origin);
    assert.equal(r.headers['access-control-allow-origin'], origin);
    assert.match(String(r.headers['access-control-allow-methods']), /POST/);
  }
  for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example', 'http://127.0.0.1.nip.io:4318', 'file://']) {
    const r = await preflight(origin);
    assert.equal(r.status, 403, origin);
    assert.equal(r.headers['access-control-allow-origin'], undefined, origin);
    const post = await raw('POST', '/v1/traces', { Origin: origin, 'Content-Type': 'application/json' }, validJson.toString());
    assert.equal(post.status, 403, origin);
    assert.match(post.text, /may not send telemetry here.*--cors-origin/);
  }
  // DNS rebinding: a page whose name resolves to 127.0.0.1 sends its own name as Host.
  for (const path of ['/v1/traces', '/', '/api/status', '/ui.js']) {
    const r = await raw(path === '/v1/traces' ? 'POST' : 'GET', path, { Host: 'rebind.example:4318', 'Content-Type': 'application/json', Authorization: 'Bearer test-token' }, path === '/v1/traces' ? validJson.toString() : '');
    assert.equal(r.status, 403, path);
    assert.match(r.text, /Host "rebind\.example" is not this machine/);
  }
  // Apps (no Origin) still send; nothing above was stored.
  assert.equal((await raw('POST', '/v1/traces', { 'Content-Type': 'application/json' }, validJson.toString())).status, 200);
  assert.equal((await get<TraceListResponse>('/api/traces')).total, before);
});

test('--cors-origin lets a listed origin send OTLP and read the API; Origin: null reads nothing', async () => {
  const listed = await startTestServer({ allowedOrigins: ['https://app.example.com'] });
  try {
    const res = await fetch(`http://127.0.0.1:${listed.httpPort}/v1/traces`, { method: 'POST', headers: { Origin: 'https://app.example.com', 'Content-Type': 'application/json' }, body: validJson.toString() });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
    const other = await fetch(`http://127.0.0.1:${listed.httpPort}/v1/traces`, { method: 'POST', headers: { Origin: 'https://other.example.com', 'Content-Type': 'application/json' }, body: validJson.toString() });
    assert.equal(other.status, 403);
  } finally {
    await listed.close();
  }
  const nul = await raw('GET', '/api/traces', { Origin: 'null', Authorization: 'Bearer test-token' });
  assert.equal(nul.status, 403);
  assert.match(nul.text, /Origin \\"null\\" is not allowed/);
});

test('a negative integer metric (as_int, sfixed64) reads as negative, as the SDK sent it', async () => {
  const { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } = await import('@opentelemetry/sdk-metrics');
  const { ProtobufMetricsSerializer } = await import('@opentelemetry/otlp-transformer');
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const counter = provider.getMeter('t').createUpDownCounter('gen_ai.test.balance', { valueType: 1 /* INT */ });
  counter.add(-42);
  await reader.forceFlush();
  const body = Buffer.from(ProtobufMetricsSerializer.serializeRequest(exporter.getMetrics()[0]!)!);
  assert.equal((await post(body, PB, '/v1/metrics')).status, 200);
  const points = (await api(server)<{ points: { name: string; sum: number }[] }>('/api/metrics')).points.filter((p) => p.name === 'gen_ai.test.balance');
  assert.deepEqual(points.map((p) => p.sum), [-42]);
  await provider.shutdown();
});
