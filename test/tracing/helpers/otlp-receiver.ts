import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { decodeOtlpTraceProtobuf } from "../../../src/server/otlp-protobuf";

/** One span as received over OTLP/HTTP JSON, attributes decoded to plain JS values. */
export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  scope: string;
  scopeVersion: string | undefined;
  status: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  /** The raw OTLP value objects, to check encodings (stringValue / intValue / arrayValue ...). */
  rawAttributes: Record<string, Record<string, unknown>>;
  events: { name: string; attributes: Record<string, unknown> }[];
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

type OtlpValue = {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
};

export function decodeValue(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

function decodeAttributes(list: { key: string; value: OtlpValue }[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list ?? []) out[a.key] = decodeValue(a.value);
  return out;
}

/**
 * A real OTLP/HTTP receiver on 127.0.0.1 (random port), JSON or protobuf (decoded with the
 * local server's decoder into the JSON shape), gzip or not. `status` decides the answer
 * (200 by default) so tests can simulate a failing collector.
 */
export class OtlpReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly spans: ReceivedSpan[] = [];
  status = 200;
  private server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        let raw = Buffer.concat(chunks);
        if (String(req.headers["content-encoding"] ?? "").includes("gzip")) raw = gunzipSync(raw);
        let body: unknown;
        if (String(req.headers["content-type"] ?? "").includes("application/x-protobuf")) {
          body = decodeOtlpTraceProtobuf(raw);
        } else {
          const text = raw.toString("utf8");
          body = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* keep text */
          }
        }
        this.requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
        if (this.status === 200) this.collect(body);
        res.writeHead(this.status, { "content-type": "application/json" });
        res.end(this.status === 200 ? "{}" : JSON.stringify({ error: "boom" }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private collect(body: unknown): void {
    const rs = (body as { resourceSpans?: unknown[] })?.resourceSpans ?? [];
    for (const r of rs as { scopeSpans?: { scope?: { name: string; version?: string }; spans?: Record<string, unknown>[] }[] }[]) {
      for (const ss of r.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const attrsList = (s.attributes as { key: string; value: OtlpValue }[]) ?? [];
          this.spans.push({
            name: s.name as string,
            traceId: s.traceId as string,
            spanId: s.spanId as string,
            parentSpanId: (s.parentSpanId as string) || undefined,
            scope: ss.scope?.name ?? "",
            scopeVersion: ss.scope?.version,
            status: (s.status as { code?: number; message?: string }) ?? {},
            attributes: decodeAttributes(attrsList),
            rawAttributes: Object.fromEntries(attrsList.map((a) => [a.key, a.value as Record<string, unknown>])),
            events: ((s.events as { name: string; attributes?: { key: string; value: OtlpValue }[] }[]) ?? []).map((e) => ({
              name: e.name,
              attributes: decodeAttributes(e.attributes),
            })),
            startTimeUnixNano: String(s.startTimeUnixNano),
            endTimeUnixNano: String(s.endTimeUnixNano),
          });
        }
      }
    }
  }

  byName(name: string): ReceivedSpan {
    const found = this.spans.filter((s) => s.name === name);
    if (found.length !== 1) throw new Error(`expected one span named ${name}, got ${found.length} (have: ${this.spans.map((s) => s.name).join(", ")})`);
    return found[0];
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export const TEST_KEYS = { publicKey: "pk-lf-test", secretKey: "sk-lf-test" } as const;
