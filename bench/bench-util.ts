/**
 * What the bench scripts share: summary statistics, number formatting, the aligned table they
 * print, and the child-process protocol of the benches that measure each variant in a fresh
 * process (OpenTelemetry globals and JIT state must not leak between variants).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

/** Prints rows[0] as the header; the first two columns left-aligned, the rest right-aligned. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
}

/** Children load the SDK from dist/: builds it from the current sources, or exits. */
export function buildDist(): void {
  const build = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(__dirname, "..", "tsconfig.build.json")], { encoding: "utf8" });
  if (build.status !== 0) {
    console.error(`build failed:\n${build.stdout}${build.stderr}`);
    process.exit(1);
  }
}

/** In the child: prints the result on the line the parent reads, and exits. */
export function reportFromChild(result: unknown): never {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Runs `file` with `args` in a fresh process and returns what it reported, or undefined (with the child's stderr printed and a failing exit code set). */
export function runChild<T>(file: string, args: string[], env: NodeJS.ProcessEnv, what: string, timeoutMs?: number): T | undefined {
  const res = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", file, ...args], {
    encoding: "utf8",
    env,
    maxBuffer: 16 * 1024 * 1024,
    timeout: timeoutMs,
  });
  const line = (res.stdout ?? "").split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) {
    console.error(`${what} failed:\n${res.stderr}`);
    process.exitCode = 1;
    return undefined;
  }
  return JSON.parse(line.slice(7)) as T;
}
