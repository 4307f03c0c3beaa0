import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { LangfuseError } from "../errors";

export interface ServerKeys {
  publicKey: string;
  secretKey: string;
  /** Where the keys came from; "generated" means they were created (and saved) just now. */
  source: "options" | "env" | "file" | "generated";
  /** The keys file, when keys are persisted next to the database. */
  file: string | undefined;
  /** Permission bits of the keys file as found (0o600 for one we wrote). */
  fileMode?: number;
  /** Set when the keys file can be read by other users of this machine. */
  warning?: string;
}

/** `0644` style, as `ls -l` users know it. */
export const formatMode = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/**
 * A warning when group or others may read the keys file (POSIX only: Windows has no such
 * bits). The file is left as it is: its owner may have shared it on purpose.
 */
function exposureWarning(file: string, mode: number): string | undefined {
  if (process.platform === "win32" || (mode & 0o077) === 0) return undefined;
  return `The server keys file ${file} is readable by other users (mode ${formatMode(mode)}); restrict it with: chmod 600 ${JSON.stringify(file)}`;
}

export const KEYS_FILE_NAME = "server-keys.json";

/** `:memory:` (and sqlite URIs) have no directory to hold a keys file. */
export function keysFileFor(dbPath: string): string | undefined {
  if (dbPath === ":memory:" || dbPath === "" || dbPath.startsWith("file:")) return undefined;
  return join(dirname(resolve(dbPath)), KEYS_FILE_NAME);
}

function generateKeys(): { publicKey: string; secretKey: string } {
  return { publicKey: `pk-lf-${randomUUID()}`, secretKey: `sk-lf-${randomUUID()}-${randomBytes(8).toString("hex")}` };
}

/**
 * Keys for the local server, first match wins: explicit options, LANGFUSE_PUBLIC_KEY +
 * LANGFUSE_SECRET_KEY, the keys file next to the database, or a fresh pair written to that file
 * with mode 0600 (so a restart keeps working with the same client configuration).
 */
export function resolveServerKeys(opts: {
  dbPath: string;
  publicKey?: string;
  secretKey?: string;
  env?: NodeJS.ProcessEnv;
}): ServerKeys {
  const env = opts.env ?? process.env;
  if (opts.publicKey || opts.secretKey) {
    if (!opts.publicKey || !opts.secretKey) throw new LangfuseError("CONFIG", "publicKey and secretKey must be given together");
    return { publicKey: opts.publicKey, secretKey: opts.secretKey, source: "options", file: undefined };
  }
  const envPk = env.LANGFUSE_PUBLIC_KEY?.trim();
  const envSk = env.LANGFUSE_SECRET_KEY?.trim();
  if (envPk && envSk) return { publicKey: envPk, secretKey: envSk, source: "env", file: undefined };

  const file = keysFileFor(opts.dbPath);
  if (file && existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      throw new LangfuseError("CONFIG", `The server keys file ${file} is not valid JSON; fix or delete it`);
    }
    const rec = parsed as { publicKey?: unknown; secretKey?: unknown };
    if (typeof rec.publicKey !== "string" || typeof rec.secretKey !== "string" || !rec.publicKey || !rec.secretKey) {
      throw new LangfuseError("CONFIG", `The server keys file ${file} must hold string publicKey and secretKey; fix or delete it`);
    }
    const fileMode = statSync(file).mode & 0o777;
    const warning = exposureWarning(file, fileMode);
    return { publicKey: rec.publicKey, secretKey: rec.secretKey, source: "file", file, fileMode, ...(warning ? { warning } : {}) };
  }

  const keys = generateKeys();
  if (file) {
    // Folders created for the store and its keys are the user's alone (0700).
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // "wx": never overwrite keys another process wrote between our check and now.
    try {
      writeFileSync(file, JSON.stringify(keys, null, 2) + "\n", { mode: 0o600, flag: "wx" });
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return resolveServerKeys(opts);
      throw err;
    }
  }
  return { ...keys, source: "generated", file, ...(file ? { fileMode: 0o600 } : {}) };
}
