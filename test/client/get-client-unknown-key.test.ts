import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getClient, Langfuse, LangfuseError, observe } from "../../src";
import { OtlpReceiver } from "../tracing/helpers/otlp-receiver";

describe("getClient(unknownPublicKey)", () => {
  const saved = { ...process.env };
  let dir: string;
  let receiver: OtlpReceiver;
  let warn: jest.SpyInstance;
  let info: jest.SpyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "lf-gc-"));
    delete process.env.LANGFUSE_PUBLIC_KEY;
    delete process.env.LANGFUSE_SECRET_KEY;
    delete process.env.LANGFUSE_TRACING_ENABLED;
    // Where a keyless client would open its embedded store.
    process.env.LANGFUSE_LOCAL_DB = join(dir, "must-not-exist.db");
    receiver = await new OtlpReceiver().start();
    warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    info = jest.spyOn(console, "info").mockImplementation(() => undefined);
  });
  afterAll(async () => {
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
    process.env = saved;
    warn.mockRestore();
    info.mockRestore();
  });

  it("returns a detached disabled client: no store, never the default, one correct warning", async () => {
    const disabled = getClient("pk-lf-unknown");
    expect(disabled).toBeInstanceOf(Langfuse);
    expect(disabled.tracing.enabled).toBe(false);
    expect(disabled.providerMode).toBe("disabled");
    expect(existsSync(join(dir, "must-not-exist.db"))).toBe(false);

    const warnings = warn.mock.calls.map((c) => String(c[0]));
    expect(warnings.filter((w) => w.includes("pk-lf-unknown"))).toHaveLength(1);
    expect(warnings.join("\n")).toContain('No Langfuse client with public key pk-lf-unknown has been created: getClient("pk-lf-unknown") returns a disabled client');
    const infos = info.mock.calls.map((c) => String(c[0])).join("\n");
    expect(infos).not.toContain("LANGFUSE_TRACING_ENABLED");
    expect(infos).not.toContain("embedded store");

    // Same object again, no second warning.
    expect(getClient("pk-lf-unknown")).toBe(disabled);
    expect(warn.mock.calls.map((c) => String(c[0])).filter((w) => w.includes("pk-lf-unknown"))).toHaveLength(1);

    // A real client created afterwards is the default, and @Observe / observe() trace with it.
    const real = new Langfuse({ publicKey: "pk-lf-real", secretKey: "sk-lf-real", baseUrl: receiver.url, flushInterval: 3600 });
    try {
      expect(getClient()).toBe(real);
      expect(getClient("pk-lf-real")).toBe(real);
      const f = observe((x: number) => x + 1, { name: "after-unknown-key" });
      expect(f(1)).toBe(2);
      const r = await real.flush();
      expect(r.delivered).toBe(1);
      expect(receiver.spans.map((s) => s.name)).toEqual(["after-unknown-key"]);
    } finally {
      await real.shutdown();
    }
    expect(existsSync(join(dir, "must-not-exist.db"))).toBe(false);
  });

  it("the disabled client is safe to use: records nothing, API calls reject with a clear error, flush/shutdown settle", async () => {
    const disabled = getClient("pk-lf-unknown-2");
    const obs = disabled.startObservation({ name: "nothing" });
    expect(obs.isRecording()).toBe(false);
    obs.end();
    expect(disabled.createScore({ traceId: "a".repeat(32), name: "s", value: 1 })).toEqual({ status: "disabled" });
    await expect(disabled.api.traces.list()).rejects.toThrow(LangfuseError);
    await expect(disabled.api.traces.list()).rejects.toThrow(/no Langfuse client with public key pk-lf-unknown-2/);
    const flushed = await disabled.flush();
    expect(flushed.failed).toBe(0);
    const shut = await disabled.shutdown();
    expect(shut.failed).toBe(0);
    expect(existsSync(join(dir, "must-not-exist.db"))).toBe(false);
  });
});
