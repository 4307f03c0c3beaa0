#!/usr/bin/env node
/**
 * The `langfuse-decorators` binary. Each subcommand lives in its own module and registers one
 * line in COMMANDS below; `run(argv)` resolves to the process exit code.
 */
import { serveCommand } from "./serve.command";
import { experimentCommand } from "./experiment";
import { errorMessage } from "../errors";
import type { CliCommand } from "./command";

/** Exit code for usage errors (unknown command, bad flags), as most Unix tools use. */
export const USAGE_ERROR = 2;

export const COMMANDS: Record<string, CliCommand> = {
  serve: serveCommand,
  experiment: experimentCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, cmd]) => `  ${name.padEnd(width)}  ${cmd.summary}`);
  return ["Usage: langfuse-decorators <command> [options]", "", "Commands:", ...lines, "", "Run `langfuse-decorators <command> --help` for a command's options."].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage() + "\n");
    return name === undefined ? USAGE_ERROR : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`langfuse-decorators: unknown command "${name}"\n\n${usage()}\n`);
    return USAGE_ERROR;
  }
  return command.run(rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`langfuse-decorators: ${errorMessage(err)}\n`);
      process.exitCode = 1;
    },
  );
}
