/**
 * OTLP body encodings for a Langfuse span as @Observe produces it (type, app-root flag, input
 * and output JSON): serializer CPU per span and bytes per span for OTLP JSON and protobuf, and
 * what gzip level 1 adds and saves. Batches of 512 (flushAt), median of ROUNDS rounds.
 * This is what decides the exporter's defaults: protobuf, and gzip only off loopback.
 *
 *   npm run bench tracing-encoding
 */
import { BasicTracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { gzipSync } from "node:zlib";
import { median } from "./bench-util";

const BATCH = 512;
const ITER = Number(process.env.BENCH_ENC_ITER ?? 200);
const ROUNDS = 7;

const tracer = new BasicTracerProvider().getTracer("langfuse-sdk", "0.1.0");
const spans: ReadableSpan[] = [];
for (let i = 0; i < BATCH; i++) {
  const s = tracer.startSpan("Service.method");
  s.setAttribute("langfuse.observation.type", "span");
  s.setAttribute("langfuse.internal.is_app_root", true);
  s.setAttribute("langfuse.observation.input", JSON.stringify([i, { q: "hello" }]));
  s.setAttribute("langfuse.observation.output", JSON.stringify({ answer: i + 1 }));
  s.end();
  spans.push(s as unknown as ReadableSpan);
}


function measure(fn: () => Uint8Array): { nsPerSpan: number; bytesPerSpan: number } {
  let out = fn();
  for (let i = 0; i < 20; i++) out = fn();
  const per: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < ITER; i++) out = fn();
    per.push(Number(process.hrtime.bigint() - t) / ITER / BATCH);
  }
  return { nsPerSpan: median(per), bytesPerSpan: out.byteLength / BATCH };
}

const json = JsonTraceSerializer.serializeRequest(spans)!;
const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
const rows: [string, { nsPerSpan: number; bytesPerSpan: number }][] = [
  ["json serialize", measure(() => JsonTraceSerializer.serializeRequest(spans)!)],
  ["protobuf serialize", measure(() => ProtobufTraceSerializer.serializeRequest(spans)!)],
  ["gzip -1 of json body", measure(() => gzipSync(json, { level: 1 }))],
  ["gzip -1 of protobuf body", measure(() => gzipSync(proto, { level: 1 }))],
];
console.log(`OTLP encodings, batches of ${BATCH} Langfuse spans, median of ${ROUNDS} rounds x ${ITER}`);
for (const [label, r] of rows) console.log(`  ${label.padEnd(26)} ${r.nsPerSpan.toFixed(0).padStart(6)} ns/span  ${r.bytesPerSpan.toFixed(0).padStart(5)} bytes/span`);
const j = rows[0][1];
const p = rows[1][1];
const pg = rows[3][1];
console.log(`protobuf vs json: ${(j.nsPerSpan / p.nsPerSpan).toFixed(2)}x less CPU, ${(j.bytesPerSpan / p.bytesPerSpan).toFixed(2)}x fewer bytes`);
// At 100 Mbit/s a byte costs 80 ns on the wire; gzip pays when the bytes it saves cost more
// to send than it costs to compress them (it runs on libuv's thread pool, off the event loop).
const savedBytes = p.bytesPerSpan - pg.bytesPerSpan;
console.log(`gzip -1 on protobuf: +${pg.nsPerSpan.toFixed(0)} ns CPU per span (thread pool) to save ${savedBytes.toFixed(0)} bytes per span (${(savedBytes * 80).toFixed(0)} ns of wire time at 100 Mbit/s; nothing on loopback)`);
