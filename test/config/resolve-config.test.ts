import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LangfuseValidationError, resolveConfig, SDK_VERSION } from "../../src";

describe("resolveConfig", () => {
  it("applies defaults with no options and no env: local mode", () => {
    const c = resolveConfig({}, {});
    expect(c).toMatchObject({
      mode: "local",
      publicKey: undefined,
      secretKey: undefined,
      baseUrl: "https://cloud.langfuse.com",
      localDbPath: ".langfuse/langfuse.db",
      localDbSynchronous: "NORMAL",
      tracingEnabled: true,
      environment: undefined,
      release: undefined,
      sampleRate: 1,
      flushAt: 512,
      flushIntervalSeconds: 5,
      timeoutSeconds: 5,
      maxQueueSize: 100_000,
      maxFieldChars: 1_000_000,
      promptCacheDefaultTtlSeconds: 60,
      ioCaptureEnabled: true,
      debug: false,
      additionalHeaders: {},
      sdkName: "langfuse-decorators",
    });
  });

  it("reads every LANGFUSE_* variable", () => {
    const c = resolveConfig(
      {},
      {
        LANGFUSE_PUBLIC_KEY: "pk-lf-1",
        LANGFUSE_SECRET_KEY: "sk-lf-1",
        LANGFUSE_BASE_URL: "http://localhost:3000/",
        LANGFUSE_TRACING_ENABLED: "FALSE",
        LANGFUSE_TRACING_ENVIRONMENT: "staging",
        LANGFUSE_RELEASE: "r1",
        LANGFUSE_SAMPLE_RATE: "0.25",
        LANGFUSE_FLUSH_AT: "10",
        LANGFUSE_FLUSH_INTERVAL: "0.5",
        LANGFUSE_TIMEOUT: "12",
        LANGFUSE_OBSERVE_DECORATOR_IO_CAPTURE_ENABLED: "0",
        LANGFUSE_DEBUG: "True",
        LANGFUSE_LOCAL_DB: ":memory:",
        LANGFUSE_LOCAL_DB_SYNCHRONOUS: "full",
        LANGFUSE_PROMPT_CACHE_DEFAULT_TTL_SECONDS: "120",
        LANGFUSE_MAX_QUEUE_SIZE: "50",
        LANGFUSE_MAX_FIELD_CHARS: "5000",
      },
    );
    expect(c).toMatchObject({
      mode: "http",
      publicKey: "pk-lf-1",
      secretKey: "sk-lf-1",
      baseUrl: "http://localhost:3000",
      tracingEnabled: false,
      environment: "staging",
      release: "r1",
      sampleRate: 0.25,
      flushAt: 10,
      flushIntervalSeconds: 0.5,
      timeoutSeconds: 12,
      ioCaptureEnabled: false,
      debug: true,
      localDbPath: ":memory:",
      localDbSynchronous: "FULL",
      promptCacheDefaultTtlSeconds: 120,
      maxQueueSize: 50,
      maxFieldChars: 5000,
    });
  });

  it("rejects a durability level other than NORMAL or FULL, naming where it came from", () => {
    expect(resolveConfig({ localDbSynchronous: "FULL" }, {}).localDbSynchronous).toBe("FULL");
    for (const [options, env, path] of [
      [{ localDbSynchronous: "OFF" as never }, {}, "options.localDbSynchronous"],
      [{}, { LANGFUSE_LOCAL_DB_SYNCHRONOUS: "EXTRA" }, "LANGFUSE_LOCAL_DB_SYNCHRONOUS"],
    ] as const) {
      let error: unknown;
      try {
        resolveConfig(options, env);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(LangfuseValidationError);
      expect((error as LangfuseValidationError).issues).toEqual([{ path, message: 'must be "NORMAL" or "FULL"' }]);
    }
  });

  it("export encoding: protobuf by default, json by option or LANGFUSE_EXPORT_ENCODING, anything else rejected by name", () => {
    expect(resolveConfig({}, {}).exportEncoding).toBe("protobuf");
    expect(resolveConfig({ exportEncoding: "json" }, {}).exportEncoding).toBe("json");
    expect(resolveConfig({}, { LANGFUSE_EXPORT_ENCODING: "JSON" }).exportEncoding).toBe("json");
    expect(resolveConfig({ exportEncoding: "protobuf" }, { LANGFUSE_EXPORT_ENCODING: "json" }).exportEncoding).toBe("protobuf");
    for (const [options, env, path] of [
      [{ exportEncoding: "xml" as never }, {}, "options.exportEncoding"],
      [{}, { LANGFUSE_EXPORT_ENCODING: "grpc" }, "LANGFUSE_EXPORT_ENCODING"],
    ] as const) {
      let error: unknown;
      try {
        resolveConfig(options, env);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(LangfuseValidationError);
      expect((error as LangfuseValidationError).issues).toEqual([{ path, message: 'must be "protobuf" or "json"' }]);
    }
  });

  it("only the literal 'false' disables tracing", () => {
    expect(resolveConfig({}, { LANGFUSE_TRACING_ENABLED: "0" }).tracingEnabled).toBe(true);
    expect(resolveConfig({}, { LANGFUSE_TRACING_ENABLED: "false" }).tracingEnabled).toBe(false);
  });

  it("base URL precedence: option baseUrl > env BASE_URL > option host > env HOST (alias)", () => {
    const env = { LANGFUSE_BASE_URL: "http://env-base", LANGFUSE_HOST: "http://env-host" };
    expect(resolveConfig({ baseUrl: "http://opt-base", host: "http://opt-host" }, env).baseUrl).toBe("http://opt-base");
    expect(resolveConfig({ host: "http://opt-host" }, env).baseUrl).toBe("http://env-base");
    expect(resolveConfig({ host: "http://opt-host" }, { LANGFUSE_HOST: "http://env-host" }).baseUrl).toBe("http://opt-host");
    expect(resolveConfig({}, { LANGFUSE_HOST: "http://env-host" }).baseUrl).toBe("http://env-host");
  });

  it("options win over env; sampleRate 0 is honoured (not treated as unset)", () => {
    const c = resolveConfig({ sampleRate: 0, flushAt: 3, environment: "dev" }, { LANGFUSE_SAMPLE_RATE: "1", LANGFUSE_FLUSH_AT: "99" });
    expect(c.sampleRate).toBe(0);
    expect(c.flushAt).toBe(3);
    expect(c.environment).toBe("dev");
  });

  it("reads the release from LANGFUSE_TRACING_RELEASE, then LANGFUSE_RELEASE", () => {
    expect(resolveConfig({}, { LANGFUSE_TRACING_RELEASE: "tr", LANGFUSE_RELEASE: "r" }).release).toBe("tr");
    expect(resolveConfig({}, { LANGFUSE_RELEASE: "r", GITHUB_SHA: "sha" }).release).toBe("r");
    expect(resolveConfig({ release: "opt" }, { LANGFUSE_TRACING_RELEASE: "tr" }).release).toBe("opt");
  });

  it("falls back to CI commit variables for the release", () => {
    expect(resolveConfig({}, { GITHUB_SHA: "abc123" }).release).toBe("abc123");
    expect(resolveConfig({}, { GITHUB_SHA: "abc123", CI_COMMIT_SHA: "first" }).release).toBe("first");
  });

  it("http mode needs both keys", () => {
    expect(resolveConfig({ publicKey: "pk" }, {}).mode).toBe("local");
    expect(resolveConfig({ publicKey: "pk", secretKey: "sk" }, {}).mode).toBe("http");
  });

  it("rejects bad values with one LangfuseValidationError naming the option or env var", () => {
    let err: unknown;
    try {
      resolveConfig(
        { sampleRate: 1.5, flushAt: 0, environment: "Prod", baseUrl: "not a url", mask: "x" as never, secretKey: "sk-very-secret" },
        { LANGFUSE_TIMEOUT: "soon" },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LangfuseValidationError);
    const v = err as LangfuseValidationError;
    expect(v.code).toBe("VALIDATION");
    const paths = v.issues.map((i) => i.path).sort();
    expect(paths).toEqual(["LANGFUSE_TIMEOUT", "options.baseUrl", "options.environment", "options.flushAt", "options.mask", "options.sampleRate"]);
    expect(v.message).not.toContain("sk-very-secret");
  });

  it("rejects an environment starting with 'langfuse' or longer than 40 chars", () => {
    expect(() => resolveConfig({ environment: "langfuse-x" }, {})).toThrow(LangfuseValidationError);
    expect(() => resolveConfig({ environment: "a".repeat(41) }, {})).toThrow(LangfuseValidationError);
    expect(resolveConfig({ environment: "a_b-1" }, {}).environment).toBe("a_b-1");
  });

  it("SDK_VERSION equals package.json's version", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });
});
