/**
 * samples/nest as `npm run sample:nest` runs it: a child process that boots the app on
 * 127.0.0.1, serves its requests, stops, and prints the stored trace tree.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");

test("the Nest sample serves two requests, refuses an unauthenticated one, and prints nested traces with the image as media", () => {
  const dir = mkdtempSync(join(tmpdir(), "lf-nest-sample-"));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, LANGFUSE_LOCAL_DB: join(dir, "langfuse.db") };
    delete env.LANGFUSE_PUBLIC_KEY;
    delete env.LANGFUSE_SECRET_KEY;
    const run = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), join(ROOT, "samples", "nest", "main.ts")], {
      cwd: ROOT,
      env,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    const out = run.stdout;
    expect(out).toContain("GET  /hello/ada   -> 200");
    expect(out).toContain("POST /captions    -> 201");
    expect(out).toContain("GET  /hello/eve   -> 401");
    expect(out).toMatch(/trace GET \/hello\/:name\n  span GET \/hello\/:name .*\n    span CaptionController\.hello .*\n      span CaptionService\.greet/);
    expect(out).toMatch(/        generation vision-model  \(media @@@langfuseMedia:type=image\/png\|id=[\w-]{22}\|source=base64_data_uri@@@\)/);
    expect(out).toMatch(/        span audit-caption/);
    expect(out).toMatch(/media [\w-]{22}: image\/png, 70 bytes stored/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
