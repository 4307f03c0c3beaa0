import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const ROOT = resolve(__dirname, "../..");
export const SCREENSHOTS = join(ROOT, "docs", "screenshots");

/**
 * Builds the UI from ui/ into `outDir` for this test run: the test checks the current source
 * (never a stale dist/ui), works after `npm ci && npm test` without a build, and does not race
 * the package test's `npm run build`, which rewrites dist/ui.
 */
export function buildUi(outDir: string): void {
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build", "--config", join(ROOT, "ui", "vite.config.mjs"), "--outDir", outDir, "--emptyOutDir"],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
  if (!existsSync(join(outDir, "index.html"))) throw new Error(`vite build wrote no index.html to ${outDir}`);
}

/** Headless Chromium from the @sparticuz/chromium package, driven by playwright-core. */
export async function launchChromium(): Promise<Browser> {
  const out = execFileSync(process.execPath, [join(__dirname, "chromium-launch-options.mjs")], { cwd: ROOT, encoding: "utf8" });
  const { executablePath, args } = JSON.parse(out) as { executablePath: string; args: string[] };
  return chromium.launch({
    executablePath,
    // --single-process (in the package's args) makes a crashed page take the browser down with it,
    // and nothing here needs the networking the others disable.
    args: [...args.filter((a) => a !== "--single-process"), "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    headless: true,
  });
}

let axeSource: string | undefined;

/** axe-core's serious and critical violations on the current page (its source evaluated in the page). */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  axeSource ??= readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays in force.
  await page.evaluate(axeSource);
  const result = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
  })) as { id: string; impact: string; help: string; nodes: string[] }[];
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
