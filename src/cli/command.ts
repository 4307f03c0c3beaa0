/** One subcommand of the `langfuse-decorators` binary (src/cli/main.ts lists them). */
export interface CliCommand {
  /** One line for `--help`. */
  summary: string;
  /** Receives the arguments after the subcommand name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}
