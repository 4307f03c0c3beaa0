/**
 * W3C helpers: a traced call sends its traceparent to another service over HTTP (a server on
 * 127.0.0.1), which continues the same trace under the caller's span.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getCurrentTraceparent, injectTraceContext, Langfuse, parseTraceparent } from "../../src";

describe("W3C trace context helpers", () => {
  let lf: Langfuse;
  let server: Server;
  let url: string;
  let info: jest.SpyInstance;
  beforeAll(async () => {
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
    lf = new Langfuse({ localDbPath: ":memory:", flushInterval: 3600 });
    // "Another service": continues the trace from the incoming traceparent.
    server = createServer((req, res) => {
      const traceContext = parseTraceparent(req.headers.traceparent as string | undefined);
      lf.startObservation({ name: "downstream", traceContext }).end();
      res.end(JSON.stringify({ traceparent: req.headers.traceparent ?? null, extra: req.headers["x-extra"] ?? null }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await lf.shutdown();
    info.mockRestore();
  });

  it("outside a span there is no traceparent and headers are unchanged", () => {
    expect(getCurrentTraceparent()).toBeUndefined();
    expect(injectTraceContext({ a: "1" })).toEqual({ a: "1" });
    expect(parseTraceparent("garbage")).toBeUndefined();
    expect(parseTraceparent(`00-${"0".repeat(32)}-${"1".repeat(16)}-01`)).toBeUndefined();
  });

  it("the downstream observation joins the caller's trace under the caller's span (plain object and fetch Headers)", async () => {
    const { traceId, spanId, bodies } = await lf.startAsCurrentObservation({ name: "upstream" }, async (span) => {
      const tp = getCurrentTraceparent();
      expect(tp).toBe(`00-${span.traceId}-${span.id}-01`);
      const a = await (await fetch(url, { headers: injectTraceContext({ "x-extra": "kept" }) })).json();
      const b = await (await fetch(url, { headers: injectTraceContext(new Headers()) })).json();
      return { traceId: span.traceId, spanId: span.id, bodies: [a, b] as { traceparent: string; extra: string | null }[] };
    });
    expect(bodies[0]).toEqual({ traceparent: `00-${traceId}-${spanId}-01`, extra: "kept" });
    expect(bodies[1]!.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    await lf.flush();
    const trace = await lf.api.traces.get(traceId);
    const downstream = trace.observations.filter((o) => o.name === "downstream");
    expect(downstream).toHaveLength(2);
    for (const d of downstream) expect(d.parentObservationId).toBe(spanId);
  });
});
