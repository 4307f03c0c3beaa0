/**
 * The SDK's only logger. Tracing problems are reported here (once per key for warnings) and
 * never thrown. Messages must not contain secrets: callers pass keys/urls only, never auth.
 */
const warned = new Set<string>();
let debugEnabled = false;

export const logger = {
  setDebug(on: boolean): void {
    if (on) debugEnabled = true;
  },
  get debugEnabled(): boolean {
    return debugEnabled;
  },
  debug(message: string): void {
    if (debugEnabled) console.debug(`[langfuse] ${message}`);
  },
  info(message: string): void {
    console.info(`[langfuse] ${message}`);
  },
  warn(message: string): void {
    console.warn(`[langfuse] ${message}`);
  },
  error(message: string): void {
    console.error(`[langfuse] ${message}`);
  },
  /** Warns the first time `key` is seen in this process; later calls only go to debug. */
  warnOnce(key: string, message: string): void {
    if (warned.has(key)) return this.debug(message);
    warned.add(key);
    this.warn(message);
  },
  infoOnce(key: string, message: string): void {
    if (warned.has(key)) return this.debug(message);
    warned.add(key);
    this.info(message);
  },
};
