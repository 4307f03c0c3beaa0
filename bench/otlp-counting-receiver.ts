/**
 * An OTLP/HTTP trace receiver for the benchmarks, run as its own process so its CPU does not
 * count against the variant being measured. It counts the spans it receives (OTLP JSON or
 * protobuf, gzip or not) and answers like a collector (200, empty response in the request's
 * encoding). `GET /count` returns the running total. Binds 127.0.0.1 on a free port and prints
 * `PORT <n>` once listening.
 *
 * Protobuf bodies are not decoded into objects: the count walks the wire format
 * (ExportTraceServiceRequest.resource_spans = 1 -> ResourceSpans.scope_spans = 2 ->
 * ScopeSpans.spans = 2), so the receiver stays cheap whatever the encoding.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
  }
  throw new Error("bad varint");
}

/** Calls `fn(start, end)` for every length-delimited field number `field` in buf[start, end). */
function eachLenField(buf: Uint8Array, start: number, end: number, field: number, fn: (s: number, e: number) => void): void {
  let pos = start;
  while (pos < end) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const wire = key & 7;
    const num = Math.floor(key / 8);
    if (wire === 0) pos = readVarint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      if (num === field) fn(p2, p2 + len);
      pos = p2 + len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

function countProtobufSpans(buf: Uint8Array): number {
  let n = 0;
  eachLenField(buf, 0, buf.length, 1, (rs, re) =>
    eachLenField(buf, rs, re, 2, (ss, se) =>
      eachLenField(buf, ss, se, 2, () => {
        n++;
      }),
    ),
  );
  return n;
}

function countJsonSpans(text: string): number {
  const body = JSON.parse(text) as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
  let n = 0;
  for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  return n;
}

let received = 0;
let requests = 0;
const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/count") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ spans: received, requests }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    let body = Buffer.concat(chunks);
    if (String(req.headers["content-encoding"] ?? "").includes("gzip")) body = gunzipSync(body);
    const protobuf = String(req.headers["content-type"] ?? "").includes("protobuf");
    try {
      received += protobuf ? countProtobufSpans(body) : countJsonSpans(body.toString("utf8"));
      requests++;
    } catch (err) {
      res.writeHead(400).end(String(err));
      return;
    }
    if (protobuf) res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    else res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
});
// The parent closes our stdin when it is done (or dies): exit then.
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
