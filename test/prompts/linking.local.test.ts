import { join } from "node:path";
import { Langfuse } from "../../src";
import { tempDir } from "./helpers";
import { linkingSuite } from "./linking.suite";

linkingSuite("local store", async () => {
  const tmp = tempDir("lf-link-");
  const langfuse = new Langfuse({ localDbPath: join(tmp.dir, "langfuse.db"), flushInterval: 60 });
  return {
    langfuse,
    close: async () => {
      await langfuse.shutdown();
      tmp.remove();
    },
  };
});
