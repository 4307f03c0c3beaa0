import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LangfuseClient } from "@langfuse/client";
import { configureMedia, Langfuse, LangfuseMedia, observe, parseMediaReference, resolveMediaReferences, startObservation } from "../../src";
import { HttpApi } from "../../src/api/http/http-api";
import type { LocalApi } from "../../src/local";
import { extractMedia } from "../../src/media/media-extract";
import { pendingMedia } from "../../src/media/pending-media";
import { startServer, type RunningServer } from "../../src/server";

const PK = "pk-lf-media-test";
const SK = "sk-lf-media-test";

/** A PNG-looking payload of `size` random bytes (random, so every call is new content). */
function image(size = 2048): { bytes: Buffer; uri: string } {
  const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size - 8)]);
  return { bytes, uri: `data:image/png;base64,${bytes.toString("base64")}` };
}

function refsIn(value: unknown): string[] {
  return JSON.stringify(value ?? null).match(/@@@langfuseMedia:.+?@@@/g) ?? [];
}

function idOf(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("base64").replace(/\+/g, "-").replace(/\//g, "_").slice(0, 22);
}

/**
 * A real HTTP proxy in front of the local server: counts requests by method and path shape,
 * routes the media upload URLs through itself, and can answer the first N media PUTs with 503
 * (a flaky bucket) to exercise retries.
 */
async function startProxy(target: string, failFirstPuts = 0): Promise<{ url: string; puts: number; posts: number; patches: number; close(): Promise<void> }> {
  const t = new URL(target);
  const state = { url: "", puts: 0, posts: 0, patches: 0, close: async () => undefined as void };
  let failures = failFirstPuts;
  const server: Server = createServer((req, res) => {
    if (req.method === "PUT" && req.url?.startsWith("/media-bytes/")) {
      state.puts++;
      if (failures > 0) {
        failures--;
        req.resume();
        res.writeHead(503).end("try again");
        return;
      }
    }
    if (req.method === "POST" && req.url === "/api/public/media") state.posts++;
    if (req.method === "PATCH" && req.url?.startsWith("/api/public/media/")) state.patches++;
    const rewrite = req.method === "POST" && req.url === "/api/public/media";
    const upstream = httpRequest({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      if (!rewrite) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      // The upload URL the server signs points at itself; send the PUT through this proxy too.
      const chunks: Buffer[] = [];
      up.on("data", (c: Buffer) => chunks.push(c));
      up.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8").split(target).join(state.url);
        const { "content-length": _len, ...headers } = up.headers;
        res.writeHead(up.statusCode ?? 502, headers).end(body);
      });
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

let dir: string;
let info: jest.SpyInstance;
let warn: jest.SpyInstance;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lf-media-"));
  info = jest.spyOn(console, "info").mockImplementation(() => undefined);
  warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  configureMedia({ retryBaseDelayMs: 20 });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  info.mockRestore();
  warn.mockRestore();
});

describe("media in embedded mode", () => {
  let langfuse: Langfuse;
  beforeAll(() => {
    langfuse = new Langfuse({ localDbPath: join(dir, "local.db"), flushInterval: 3600 });
  });
  afterAll(() => langfuse.shutdown());

  it("replaces data URIs (OpenAI image and audio parts) and LangfuseMedia in input, output and metadata by references and stores the bytes", async () => {
    const img = image();
    const audio = randomBytes(1500);
    const pdf = Buffer.from("%PDF-1.4 a small document");
    const file = join(dir, "chart.png");
    const fileBytes = image(900).bytes;
    writeFileSync(file, fileBytes);

    const describe = observe(
      (messages: unknown[]) => ({ answer: "a chart", attachment: new LangfuseMedia({ contentBytes: pdf, contentType: "application/pdf" }) }),
      { name: "describe-image" },
    );
    const span = startObservation({ name: "media-root", metadata: { chart: new LangfuseMedia({ filePath: file }) } });
    const out = describe([
      { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: img.uri } }] },
      { role: "user", content: [{ type: "input_audio", input_audio: { data: audio.toString("base64"), format: "wav" } }] },
    ]);
    expect(out.answer).toBe("a chart");
    span.end();

    const report = await langfuse.flush();
    const media = report.reports.find((r) => r.name === "media")!;
    expect(media).toMatchObject({ failed: 0, dropped: 0 });
    expect(media.delivered).toBe(4);

    const api = langfuse.api as LocalApi;
    const observations = (await api.observations.list({ limit: 100 })).data;
    const obs = observations.find((o) => o.name === "describe-image")!;
    const inputRefs = refsIn(obs.input).map((r) => parseMediaReference(r)!);
    expect(inputRefs).toEqual([
      { mediaId: idOf(img.bytes), contentType: "image/png", source: "base64_data_uri" },
      { mediaId: idOf(audio), contentType: "audio/wav", source: "base64_data_uri" },
    ]);
    expect(JSON.stringify(obs.input)).not.toContain(";base64,");
    expect(refsIn(obs.output).map((r) => parseMediaReference(r)!)).toEqual([{ mediaId: idOf(pdf), contentType: "application/pdf", source: "bytes" }]);
    const root = observations.find((o) => o.name === "media-root")!;
    expect(refsIn(root.metadata).map((r) => parseMediaReference(r)!.source)).toEqual(["file"]);

    expect(api.getMediaBytes(idOf(img.bytes))).toEqual({ contentType: "image/png", bytes: img.bytes });
    expect(api.getMediaBytes(idOf(audio)).bytes.equals(audio)).toBe(true);
    expect(api.getMediaBytes(idOf(pdf)).bytes.equals(pdf)).toBe(true);
    expect(api.getMediaBytes(idOf(fileBytes)).bytes.equals(fileBytes)).toBe(true);
    expect(await api.media.get(idOf(img.bytes))).toMatchObject({ contentType: "image/png", contentLength: img.bytes.length });

    // The local server over the same store serves them as Langfuse does: GET media, then its URL.
    const server = await startServer({ port: 0, dbPath: join(dir, "local.db"), publicKey: PK, secretKey: SK, env: {} });
    try {
      const auth = { authorization: "Basic " + Buffer.from(`${PK}:${SK}`).toString("base64") };
      const meta = (await (await fetch(`${server.url}/api/public/media/${idOf(img.bytes)}`, { headers: auth })).json()) as { url: string; contentType: string };
      expect(meta.contentType).toBe("image/png");
      const served = await fetch(meta.url);
      expect(Buffer.from(await served.arrayBuffer()).equals(img.bytes)).toBe(true);
    } finally {
      await server.close();
    }

    // resolveMediaReferences turns them back into data URIs (default client = this one).
    const resolved = await resolveMediaReferences(obs.input, { resolveWith: "base64DataUri" });
    expect(JSON.stringify(resolved)).toContain(img.uri);
    expect(JSON.stringify(resolved)).toContain(`data:audio/wav;base64,${audio.toString("base64")}`);
    expect(refsIn(resolved)).toEqual([]);
  });

  it("the embedded backend's media store writes the bytes into the store (no upload URL is fetched) and reads them back for the client's API", async () => {
    const img = image(1500);
    observe((x: string) => x.length, { name: "embedded-store-media", captureOutput: false })(img.uri);
    expect((await langfuse.flush()).reports.find((r) => r.name === "media")).toMatchObject({ delivered: 1, failed: 0 });
    const api = langfuse.api as LocalApi;
    const info = await api.media.get(idOf(img.bytes));
    // The store still hands out its own URL scheme, which no fetch could read: the bytes got
    // there, and come back, through the backend's store.
    expect(info.url).toMatch(/^langfuse-local:/);
    expect(api.getMediaBytes(idOf(img.bytes)).bytes.equals(img.bytes)).toBe(true);
    const obs = (await api.observations.list({ name: "embedded-store-media", limit: 1 })).data[0];
    // Given the client's API rather than the client: found by its media endpoints.
    const resolved = await resolveMediaReferences(obs.input, { resolveWith: "base64DataUri", client: langfuse.api });
    expect(resolved).toBe(img.uri);
  });

  it("the same bytes in several spans are stored once, each span keeps its reference", async () => {
    const img = image();
    const f = observe((x: unknown) => x, { name: "dedupe" });
    f({ image: img.uri });
    f({ again: img.uri });
    const report = await langfuse.flush();
    expect(report.reports.find((r) => r.name === "media")).toMatchObject({ failed: 0 });
    const api = langfuse.api as LocalApi;
    const rows = api.store.db.prepare("SELECT count(*) AS n FROM media WHERE id = ?").get(idOf(img.bytes)) as { n: number };
    expect(rows.n).toBe(1);
    const spans = (await api.observations.list({ limit: 100, name: "dedupe" })).data;
    expect(spans.flatMap((o) => refsIn(o.input))).toHaveLength(2);
  });

  it("media the server would refuse stays inline (type not allowed) or is described (LangfuseMedia), with a clear warning", async () => {
    warn.mockClear();
    const odd = `data:image/x-unknown;base64,${randomBytes(64).toString("base64")}`;
    const f = observe((x: unknown) => x, { name: "refused" });
    f({ odd, doc: new LangfuseMedia({ contentBytes: randomBytes(32), contentType: "application/x-nope" }) });
    await langfuse.flush();
    const api = langfuse.api as LocalApi;
    const obs = (await api.observations.list({ limit: 10, name: "refused" })).data[0];
    expect((obs.input as { odd: string }).odd).toBe(odd);
    expect((obs.input as { doc: string }).doc).toMatch(/^<LangfuseMedia application\/x-nope 32 bytes, not uploaded: content type application\/x-nope is not on Langfuse's media allow-list>$/);
    expect(warn.mock.calls.flat().join("\n")).toMatch(/media not uploaded, kept inline: content type image\/x-unknown is not on Langfuse's media allow-list/);
  });

  it("finds the exact end of each data URI: in JSON strings, in raw strings, followed by text, unpadded", () => {
    const a = Buffer.from("first image bytes");
    const b = Buffer.from("second");
    const ref = (bytes: Buffer) => `@@@langfuseMedia:type=image/png|id=${idOf(bytes)}|source=base64_data_uri@@@`;
    const json = JSON.stringify({ text: `see data:image/png;base64,${a.toString("base64")} and data:image/png;base64,${b.toString("base64").replace(/=+$/, "")}!`, list: [`data:image/png;base64,${a.toString("base64")}`] });
    expect(JSON.parse(extractMedia(json))).toEqual({ text: `see ${ref(a)} and ${ref(b)}!`, list: [ref(a)] });
    expect(extractMedia(`data:image/png;base64,${b.toString("base64")}`)).toBe(ref(b));
    expect(extractMedia("no media here; base64, but no data URI")).toBe("no media here; base64, but no data URI");
  });

  it("bad LangfuseMedia input is a typed validation error", () => {
    expect(() => new LangfuseMedia({ base64DataUri: "not a data uri" })).toThrow(/data:<content-type>;base64/);
    expect(() => new LangfuseMedia({ filePath: join(dir, "missing.png") })).toThrow(/cannot read/);
    expect(() => new LangfuseMedia({ filePath: join(dir, "x.unknownext") })).toThrow(/content type/);
  });

  it("bounded memory: 100 large images in one synchronous burst never hold more than maxPendingBytes; the rest stay inline, counted", async () => {
    const bound = 4 * 1024 * 1024;
    configureMedia({ maxPendingBytes: bound });
    try {
      pendingMedia.peakBytes = 0;
      const inlineBefore = pendingMedia.keptInline;
      const pendingBefore = pendingMedia.pendingBytes;
      const f = observe((x: string) => x.length, { name: "burst", captureOutput: false });
      for (let i = 0; i < 100; i++) f(image(512 * 1024).uri);
      expect(pendingMedia.peakBytes).toBeLessThanOrEqual(bound);
      const report = await langfuse.flush();
      const media = report.reports.find((r) => r.name === "media")!;
      const inline = pendingMedia.keptInline - inlineBefore;
      expect(inline).toBeGreaterThan(0);
      expect(media.delivered + inline).toBe(100);
      // Kept inline is not lost, but it is reported as not uploaded.
      expect(media.dropped).toBe(inline);
      expect(media.errors.join("\n")).toMatch(/media kept inline: the upload queue was full/);
      expect(media.failed).toBe(0);
      expect(pendingMedia.pendingBytes).toBe(pendingBefore);
    } finally {
      configureMedia({ maxPendingBytes: 128 * 1024 * 1024 });
    }
  });

  it("bounded memory: 100 large images from an async loop are all uploaded while the held bytes stay within the bound", async () => {
    const bound = 4 * 1024 * 1024;
    configureMedia({ maxPendingBytes: bound });
    try {
      pendingMedia.peakBytes = 0;
      const inlineBefore = pendingMedia.keptInline;
      const pendingBefore = pendingMedia.pendingBytes;
      const f = observe(async (x: string) => x.length, { name: "paced", captureOutput: false });
      for (let i = 0; i < 100; i++) await f(image(512 * 1024).uri);
      const report = await langfuse.flush();
      expect(report.reports.find((r) => r.name === "media")).toMatchObject({ delivered: 100, failed: 0, dropped: 0 });
      expect(pendingMedia.keptInline - inlineBefore).toBe(0);
      expect(pendingMedia.peakBytes).toBeLessThanOrEqual(bound);
      expect(pendingMedia.pendingBytes).toBe(pendingBefore);
    } finally {
      configureMedia({ maxPendingBytes: 128 * 1024 * 1024 });
    }
  });
});

describe("media in HTTP mode against the local server", () => {
  let server: RunningServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let langfuse: Langfuse;

  beforeAll(async () => {
    server = await startServer({ port: 0, dbPath: join(dir, "server.db"), publicKey: PK, secretKey: SK, env: {} });
    // The first PUT fails with 503: the upload is retried.
    proxy = await startProxy(server.url, 1);
    langfuse = new Langfuse({ publicKey: PK, secretKey: SK, baseUrl: proxy.url, flushInterval: 3600 });
  });
  afterAll(async () => {
    await langfuse?.shutdown();
    await proxy?.close();
    await server?.close();
  });

  it("uploads through POST /media, PUT to the upload URL (retried), PATCH; dedupes by hash; bytes come back through the server", async () => {
    const img = image(4096);
    const f = observe((x: unknown) => ({ seen: true, x }), { name: "http-media" });
    f({ type: "image_url", image_url: { url: img.uri } });
    f({ again: img.uri });
    const report = await langfuse.flush();
    // Two spans, each with the image in its input and its output: four references.
    expect(report.reports.find((r) => r.name === "media")).toMatchObject({ delivered: 4, failed: 0 });
    expect(report.failed).toBe(0);
    // One upload of the bytes (plus the refused first attempt); the second reference only links.
    expect(proxy.puts).toBe(2);
    expect(proxy.patches).toBe(1);
    expect(proxy.posts).toBe(4);

    const id = idOf(img.bytes);
    const media = await langfuse.api.media.get(id);
    expect(media).toMatchObject({ mediaId: id, contentType: "image/png", contentLength: img.bytes.length });
    expect(media.url.startsWith(server.url)).toBe(true);
    const res = await fetch(media.url);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await res.arrayBuffer()).equals(img.bytes)).toBe(true);

    const obs = (await langfuse.api.observations.list({ name: "http-media", limit: 10 })).data;
    expect(obs.flatMap((o) => refsIn(o.input))).toEqual([expect.stringContaining(`id=${id}`), expect.stringContaining(`id=${id}`)]);
    const resolved = await resolveMediaReferences(obs.map((o) => o.input), { resolveWith: "base64DataUri", client: langfuse });
    expect(JSON.stringify(resolved).split(img.uri)).toHaveLength(3);
  });

  it("resolveMediaReferences with an API of no client reads it as a Langfuse server's (download URL)", async () => {
    const img = image(2500);
    observe((x: string) => x.length, { name: "bare-api-resolve", captureOutput: false })(img.uri);
    await langfuse.flush();
    const obs = (await langfuse.api.observations.list({ name: "bare-api-resolve", limit: 1 })).data[0];
    const bare = new HttpApi({ baseUrl: server.url, publicKey: PK, secretKey: SK, timeoutSeconds: 10 });
    const resolved = await resolveMediaReferences({ picture: obs.input }, { resolveWith: "base64DataUri", client: bare });
    expect(resolved).toEqual({ picture: img.uri });
  });

  it("the official @langfuse/client resolveMediaReferences reads media we uploaded", async () => {
    const img = image(3000);
    const f = observe((x: unknown) => x, { name: "official-resolve" });
    f({ picture: img.uri });
    await langfuse.flush();
    const obs = (await langfuse.api.observations.list({ name: "official-resolve", limit: 1 })).data[0];
    const official = new LangfuseClient({ publicKey: PK, secretKey: SK, baseUrl: server.url });
    const resolved = (await official.resolveMediaReferences({ obj: obs.input as object, resolveWith: "base64DataUri" })) as { picture: string };
    expect(resolved.picture).toBe(img.uri);
  });

  it("failed uploads are counted in flush(), never thrown", async () => {
    const lost = new Langfuse({ publicKey: PK, secretKey: SK, baseUrl: "http://127.0.0.1:9", flushInterval: 3600, timeout: 2 });
    try {
      const span = lost.startObservation({ name: "lost-media", input: { picture: image(512).uri } });
      span.end();
      // Spans to a dead endpoint are kept and retried (reported pending at the timeout); the
      // upload fails for good after its retries and is counted.
      const report = await lost.flush({ timeoutMs: 20_000 });
      expect(report.reports.find((r) => r.name === "media")).toMatchObject({ delivered: 0, failed: 1 });
    } finally {
      await lost.shutdown({ timeoutMs: 500 });
    }
  });
});
