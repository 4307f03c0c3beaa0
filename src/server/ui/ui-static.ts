import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
};

export interface UiAsset {
  type: string;
  body: Buffer;
  /** Vite puts a content hash in asset names: those can be cached for good. */
  immutable: boolean;
}

/** Bounded: the built UI is a few hundred KB; anything far bigger is not the UI. */
const MAX_FILES = 200;
const MAX_BYTES = 20 * 1024 * 1024;

/**
 * The built UI (`dist/ui`): the folder next to this package's package.json. Under ts-node the
 * source tree and the build share that root, so both find the same build.
 */
export function defaultUiDir(from: string = __dirname): string | undefined {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "langfuse-decorators") return join(dir, "dist", "ui");
      } catch {
        // Not ours or unreadable: keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/**
 * Reads the built UI into memory once: URLs map to a fixed set of files, so no request path
 * ever reaches the file system (no traversal), and serving costs no disk reads.
 */
export function loadUiAssets(dir: string | undefined): Map<string, UiAsset> {
  const assets = new Map<string, UiAsset>();
  if (!dir || !existsSync(join(dir, "index.html"))) return assets;
  let bytes = 0;
  const walk = (folder: string, depth: number): void => {
    if (depth > 4) return;
    for (const name of readdirSync(folder).sort()) {
      const file = join(folder, name);
      const st = statSync(file);
      if (st.isDirectory()) {
        walk(file, depth + 1);
        continue;
      }
      const type = TYPES[extname(name).toLowerCase()];
      if (!type || assets.size >= MAX_FILES || bytes + st.size > MAX_BYTES) continue;
      const url = "/" + relative(dir, file).split(sep).join("/");
      bytes += st.size;
      assets.set(url, { type, body: readFileSync(file), immutable: url.startsWith("/assets/") });
    }
  };
  walk(dir, 0);
  return assets;
}

/** Shown at `/` when the package was used without building the UI (a source checkout). */
export const UI_NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Langfuse local</title></head>
<body><main><h1>The web UI is not built</h1><p>This checkout has no <code>dist/ui</code>. Run <code>npm run build:ui</code>
(or <code>npm run serve</code>, which builds it first) and reload. The API under <code>/api/public</code> works without it.</p></main></body></html>`;
