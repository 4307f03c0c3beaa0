import { parseArgs } from "node:util";
import { LangfuseError } from "../errors";
import { defaultDbPath, startServer, type RunningServer } from "../server";
import type { CliCommand } from "./main";

const HELP = `Usage: langfuse-decorators serve [--port 3000] [--host 127.0.0.1] [--db path]

Serves the embedded store as a Langfuse-compatible HTTP API (public API + OTLP traces).

Options:
  --port <n>     port to listen on (default 3000; 0 picks a free one)
  --host <addr>  address to bind (default 127.0.0.1, this machine only)
  --db <path>    SQLite file (default $LANGFUSE_LOCAL_DB or .langfuse/langfuse.db)
  -h, --help     show this help

Keys: LANGFUSE_PUBLIC_KEY/LANGFUSE_SECRET_KEY if set, otherwise generated at first start and
kept in server-keys.json (mode 0600) next to the database.`;

class UsageError extends Error {}

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
    try {
      const { values } = parseArgs({
        args: argv,
        options: {
          port: { type: "string" },
          host: { type: "string" },
          db: { type: "string" },
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
    if (server.keySource === "generated") out.write(`Generated API keys, saved to ${server.keysFile ?? "(memory only)"}\n`);
    else if (server.keySource === "file") out.write(`API keys from ${server.keysFile}\n`);
    else out.write(`API keys from LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY\n`);
    out.write(`\nPoint any Langfuse SDK at it:\n`);
    out.write(`  export LANGFUSE_BASE_URL=${server.url}\n`);
    out.write(`  export LANGFUSE_PUBLIC_KEY=${server.publicKey}\n`);
    // The secret is the user's own local key; printing it here is how they configure clients.
    // Keys that came from the environment are not echoed back.
    if (server.keySource !== "env") out.write(`  export LANGFUSE_SECRET_KEY=${server.secretKey}\n`);
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
