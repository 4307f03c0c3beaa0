import { Langfuse, type LangfuseOptions } from "../../../src";
import { OtlpReceiver, TEST_KEYS, type ReceivedSpan } from "./otlp-receiver";

/** A real client exporting over OTLP/HTTP to a receiver on 127.0.0.1. */
export interface Harness {
  langfuse: Langfuse;
  receiver: OtlpReceiver;
  /** Flushes the client and returns every span received so far. */
  spans(): Promise<ReceivedSpan[]>;
  /** Flushes and returns the one span with that name. */
  span(name: string): Promise<ReceivedSpan>;
  stop(): Promise<void>;
}

export async function startHarness(options: LangfuseOptions = {}): Promise<Harness> {
  const receiver = await new OtlpReceiver().start();
  const langfuse = new Langfuse({ ...TEST_KEYS, baseUrl: receiver.url, flushInterval: 60, ...options });
  return {
    langfuse,
    receiver,
    async spans() {
      await langfuse.flush();
      return receiver.spans;
    },
    async span(name: string) {
      await langfuse.flush();
      return receiver.byName(name);
    },
    async stop() {
      await langfuse.shutdown();
      await receiver.stop();
    },
  };
}
