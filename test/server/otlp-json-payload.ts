import { randomBytes } from "node:crypto";

/** An OTLP/JSON export of `spans` spans in one new trace (ids random, root first). */
export function otlpJsonTrace(spans: number, name = "op"): { body: string; traceId: string; spanIds: string[] } {
  const traceId = randomBytes(16).toString("hex");
  const spanIds = Array.from({ length: spans }, () => randomBytes(8).toString("hex"));
  const now = BigInt(Date.now()) * 1_000_000n;
  const otlpSpans = spanIds.map((spanId, i) => ({
    traceId,
    spanId,
    ...(i === 0 ? {} : { parentSpanId: spanIds[0] }),
    name: `${name}-${i}`,
    kind: 1,
    startTimeUnixNano: String(now + BigInt(i) * 1000n),
    endTimeUnixNano: String(now + BigInt(i) * 1000n + 500_000n),
    attributes: [
      { key: "langfuse.observation.type", value: { stringValue: i === 0 ? "span" : "generation" } },
      { key: "langfuse.observation.input", value: { stringValue: JSON.stringify({ i }) } },
      { key: "langfuse.observation.model.name", value: { stringValue: "gpt-4o-mini" } },
    ],
    status: { code: 0 },
  }));
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "payload" } }] },
        scopeSpans: [{ scope: { name: "langfuse-sdk", version: "1.0.0" }, spans: otlpSpans }],
      },
    ],
  });
  return { body, traceId, spanIds };
}
