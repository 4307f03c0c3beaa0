import { parseArgs } from "node:util";
import { LangfuseError } from "../errors";
import { defaultDbPath, startServer, type RunningServer } from "../server/start-server";
import { formatMode } from "../server/server-keys";
import type { CliCommand } from "./command";

const HELP = `Usage: langfuse-decorators serve [--port 3000] [--host 127.0.0.1] [--db path] [--show-keys]

Serves the embedded store as a Langfuse-compatible HTTP API (public API + OTLP traces).

Options:
  --port <n>     port to listen on (default 3000; 0 picks a free one)
  --host <addr>  address to bind (default 127.0.0.1, this machine only)
  --db <path>    SQLite file (default $LANGFUSE_LOCAL_DB or .langfuse/langfuse.db); its
                 durability level is $LANGFUSE_LOCAL_DB_SYNCHRONOUS (NORMAL, or FULL)
  --show-keys    print the full secret key (by default only a masked form is printed)
  -h, --help     show this help

Keys: LANGFUSE_PUBLIC_KEY/LANGFUSE_SECRET_KEY if set, otherwise generated at first start and
kept in server-keys.json (mode 0600) next to the database. The secret key is never printed in
full unless --show-keys is given: read it from the keys file.`;

class UsageError extends Error {}

/**
 * A secret as it may appear in output: its first 6 characters and "…" (the generated ones start
 * with the non-secret "sk-lf-"). Short secrets are masked completely so the prefix never gives
 * away a meaningful part of them.
 */
export function maskSecret(secret: string): string {
  return secret.length >= 16 ? `${secret.slice(0, 6)}…` : "…";
}

/** Lines telling the user how to configure a client, without the full secret unless asked. */
export function keyLines(
  server: Pick<RunningServer, "url" | "publicKey" | "secretKey" | "keySource" | "keysFile" | "keysFileMode" | "keysWarning">,
  showKeys: boolean,
): string[] {
  const lines: string[] = [];
  // The mode as found on disk, never assumed.
  const mode = server.keysFileMode !== undefined ? ` (mode ${formatMode(server.keysFileMode)})` : "";
  if (server.keySource === "generated") lines.push(server.keysFile ? `Generated API keys, saved to ${server.keysFile}${mode}` : `Generated API keys (in-memory store: not saved, new keys at every start)`);
  else if (server.keySource === "file") lines.push(`API keys from ${server.keysFile}${mode}`);
  else if (server.keySource === "env") lines.push(`API keys from LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY`);
  else lines.push(`API keys from the server options`);
  if (server.keysWarning) lines.push(`Warning: ${server.keysWarning}`);
  lines.push("", "Point any Langfuse SDK at it:", `  export LANGFUSE_BASE_URL=${server.url}`, `  export LANGFUSE_PUBLIC_KEY=${server.publicKey}`);
  if (showKeys) {
    lines.push(`  export LANGFUSE_SECRET_KEY=${server.secretKey}`);
  } else if (server.keySource === "env") {
    lines.push(`  (LANGFUSE_SECRET_KEY: the value already in your environment, ${maskSecret(server.secretKey)})`);
  } else if (server.keysFile && !server.keysFile.includes("'")) {
    lines.push(
      `  export LANGFUSE_SECRET_KEY=$(node -p 'require(${JSON.stringify(server.keysFile)}).secretKey')   # ${maskSecret(server.secretKey)}`,
      `  (the secret key is in ${server.keysFile}; run with --show-keys to print it)`,
    );
  } else {
    lines.push(
      `  LANGFUSE_SECRET_KEY: ${maskSecret(server.secretKey)}${server.keysFile ? ` (full value in ${server.keysFile})` : ""}`,
      `  (run with --show-keys to print it, or set LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY for the server)`,
    );
  }
  return lines;
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`--port must be an integer between 0 and 65535, got "${text}"`);
  return Number(text);
}

/** Resolves when SIGINT or SIGTERM arrives (once), then removes its listeners. */
function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

export const serveCommand: CliCommand = {
  summary: "serve the local store as a Langfuse-compatible API (default http://127.0.0.1:3000)",
  async run(argv) {
    let port: number;
    let host: string;
    let dbPath: string;
    let showKeys: boolean;
    try {
      const { values } = parseArgs({
        args: argv,
        options: {
          port: { type: "string" },
          host: { type: "string" },
          db: { type: "string" },
          "show-keys": { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
        strict: true,
        allowPositionals: false,
      });
      if (values.help) {
        process.stdout.write(HELP + "\n");
        return 0;
      }
      port = values.port === undefined ? 3000 : parsePort(values.port);
      host = values.host ?? "127.0.0.1";
      if (host.trim() === "") throw new UsageError("--host must not be empty");
      dbPath = values.db ?? defaultDbPath();
      if (dbPath.trim() === "") throw new UsageError("--db must not be empty");
      showKeys = values["show-keys"] === true;
    } catch (err) {
      process.stderr.write(`langfuse-decorators serve: ${(err as Error).message}\n\n${HELP}\n`);
      return 2;
    }

    const stopped = waitForStopSignal();
    let server: RunningServer;
    try {
      server = await startServer({ port, host, dbPath });
    } catch (err) {
      const message = err instanceof LangfuseError ? err.message : `cannot start: ${(err as Error).message}`;
      process.stderr.write(`langfuse-decorators serve: ${message}\n`);
      return 1;
    }

    const out = process.stdout;
    out.write(`Langfuse-compatible server listening on ${server.url}\n`);
    out.write(`Store: ${server.dbPath}\n`);
    if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
      process.stderr.write(`Warning: bound to ${host}, not loopback: other machines can reach this server (keys still required).\n`);
    }
    // DESIGN §5: secrets never appear in logs. The secret is printed masked (it is in the 0600
    // keys file) unless the user explicitly asks for it with --show-keys.
    out.write(keyLines(server, showKeys).join("\n") + "\n");
    out.write(`\nPress Ctrl+C to stop.\n`);

    const signal = await stopped;
    out.write(`Received ${signal}, finishing in-flight requests (press Ctrl+C again to force)...\n`);
    // A second signal means the user does not want to wait: exit at once (128 + SIGINT).
    const force = () => process.exit(130);
    process.once("SIGINT", force);
    process.once("SIGTERM", force);
    await server.close();
    process.off("SIGINT", force);
    process.off("SIGTERM", force);
    out.write(`Stopped.\n`);
    return 0;
  },
};
