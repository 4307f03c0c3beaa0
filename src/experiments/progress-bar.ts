/**
 * A one-line progress bar on stderr, redrawn in place. Only used on a TTY: in CI logs a bar
 * turns into thousands of lines, so there it stays silent.
 */
export class ProgressBar {
  private done = 0;
  private failed = 0;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  static enabledFor(requested: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): boolean {
    return requested ?? Boolean(stream.isTTY);
  }

  tick(failed: boolean): void {
    this.done++;
    if (failed) this.failed++;
    const now = Date.now();
    // Redraw at most ~20 times a second, and always for the last item.
    if (now - this.lastDraw < 50 && this.done < this.total) return;
    this.lastDraw = now;
    this.draw();
  }

  finish(): void {
    if (this.total > 0) this.stream.write("\n");
  }

  private draw(): void {
    const width = 30;
    const ratio = this.total ? this.done / this.total : 1;
    const filled = Math.round(ratio * width);
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    const fail = this.failed ? `, ${this.failed} failed` : "";
    this.stream.write(`\r${this.label} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${this.done}/${this.total}${fail} ${secs}s`);
  }
}
