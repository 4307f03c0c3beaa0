import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Our package version, reported by /api/public/health (found from src/ and from dist/src/). */
function readVersion(): string {
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, rel), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "langfuse-decorators" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // try the next location
    }
  }
  return "0.0.0";
}

export const SERVER_VERSION = readVersion();
