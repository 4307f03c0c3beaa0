/**
 * Child process of the crash test: writes to a file store as fast as it can and prints
 * `ack <kind> <id>` only after each write committed. The parent SIGKILLs it mid-stream.
 */
import { LocalApi, openLocalStore } from "../../src/local";
import { writeSpans } from "../../src/local/ingest/ingest-spans";

const [dbPath, synchronous] = process.argv.slice(2);
const store = openLocalStore(dbPath!, synchronous === "FULL" ? { synchronous: "FULL" } : {});
const api = new LocalApi(store);

async function main(): Promise<void> {
  await api.datasets.create({ name: "crash" });
  process.stdout.write("ready\n");
  for (let i = 0; i < 1_000_000; i++) {
    const tid = i.toString(16).padStart(32, "0");
    if (i % 3 === 0) {
      const { id } = await api.scores.create({ id: `score-${i}`, name: "n", value: i, traceId: tid });
      process.stdout.write(`ack score ${id}\n`);
    } else if (i % 3 === 1) {
      const item = await api.datasetItems.upsert({ datasetName: "crash", id: `item-${i}`, input: { i } });
      process.stdout.write(`ack item ${item.id}\n`);
    } else {
      // Through the writer thread: acknowledged only once its commit returned.
      await writeSpans(store, [
        {
          traceId: tid,
          spanId: i.toString(16).padStart(16, "0"),
          name: `span-${i}`,
          startTimeMs: Date.now(),
          endTimeMs: Date.now(),
          attributes: { "langfuse.observation.input": "x".repeat(200) },
          resource: {},
          scope: { name: "langfuse-sdk" },
        },
      ]);
      process.stdout.write(`ack span ${tid}\n`);
    }
  }
}

void main();
