/**
 * `npm run sample:nest`: starts the Nest app on 127.0.0.1 (random port), serves two requests
 * to itself (a greeting, and a caption for an image sent as a data URI), stops the app (which
 * flushes Langfuse), then prints the stored trace tree from the embedded store.
 */
import "reflect-metadata";
import type { AddressInfo } from "node:net";
import { NestFactory } from "@nestjs/core";
import { Langfuse } from "../../src";
import type { Observation } from "../../src/api/types";
import { LocalApi, openLocalStore } from "../../src/local";
import { AppModule, SAMPLE_API_KEY } from "./app.module";

// A 1x1 PNG.
const PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

function short(value: unknown): string {
  if (value === undefined || value === null) return "";
  const s = typeof value === "string" ? value : JSON.stringify(value);
  const media = s.match(/@@@langfuseMedia:[^@]+@@@/);
  if (media) return `(media ${media[0]})`;
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function printTree(observations: Observation[]): void {
  const children = (parent: string | null) =>
    observations.filter((o) => (o.parentObservationId ?? null) === parent).sort((a, b) => String(a.startTime).localeCompare(String(b.startTime)));
  const walk = (o: Observation, depth: number): void => {
    console.log(`${"  ".repeat(depth + 1)}${o.type.toLowerCase()} ${o.name}  ${short(o.input)}`);
    for (const c of children(o.id)) walk(c, depth + 1);
  };
  for (const root of children(null)) walk(root, 0);
}

async function main(): Promise<number> {
  const session = `nest-sample-${Date.now()}`;
  const app = await NestFactory.create(AppModule, { logger: ["error", "warn"] });
  app.enableShutdownHooks();
  // The service's @Prompt("nest-sample-caption") reads this prompt (its fallback covers a miss).
  const langfuse = app.get(Langfuse);
  await langfuse.getPrompt("nest-sample-caption").catch(() =>
    langfuse.createPrompt({ name: "nest-sample-caption", type: "text", prompt: "Describe this picture for {{audience}}.", labels: ["production"] }),
  );
  await app.listen(0, "127.0.0.1");
  const { port } = app.getHttpServer().address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const headers = { "x-api-key": SAMPLE_API_KEY, "x-session-id": session, "content-type": "application/json" };

  const hello = await fetch(`${base}/hello/ada`, { headers });
  console.log(`GET  /hello/ada   -> ${hello.status} ${await hello.text()}`);
  const caption = await fetch(`${base}/captions`, { method: "POST", headers, body: JSON.stringify({ image: PIXEL, audience: "engineers" }) });
  console.log(`POST /captions    -> ${caption.status} ${await caption.text()}`);
  const denied = await fetch(`${base}/hello/eve`);
  console.log(`GET  /hello/eve   -> ${denied.status} (no API key: the guard refuses it)`);
  await app.close(); // LangfuseModule flushes and shuts its client down here

  if (process.env.LANGFUSE_PUBLIC_KEY && process.env.LANGFUSE_SECRET_KEY) {
    console.log(`Traces were sent to ${process.env.LANGFUSE_BASE_URL ?? "https://cloud.langfuse.com"} (session ${session}).`);
    return hello.ok && caption.ok ? 0 : 1;
  }
  const store = openLocalStore(process.env.LANGFUSE_LOCAL_DB ?? ".langfuse/langfuse.db");
  try {
    const api = new LocalApi(store);
    const traces = (await api.traces.list({ sessionId: session, limit: 10 })).data.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    console.log(`\nStored traces of session ${session}:`);
    const mediaIds = new Set<string>();
    for (const t of traces) {
      console.log(`trace ${t.name}`);
      const observations = (await api.observations.list({ traceId: t.id, limit: 100 })).data;
      printTree(observations);
      for (const m of JSON.stringify(observations).matchAll(/\|id=([\w-]{22})\|/g)) mediaIds.add(m[1]);
    }
    for (const id of mediaIds) {
      const { contentType, bytes } = api.getMediaBytes(id);
      console.log(`media ${id}: ${contentType}, ${bytes.length} bytes stored`);
    }
    return traces.length === 2 && hello.ok && caption.ok && denied.status === 401 ? 0 : 1;
  } finally {
    store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
