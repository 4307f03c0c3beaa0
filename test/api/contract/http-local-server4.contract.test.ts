import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../../../src/server";
import { describeApi4Contract } from "./api4-contract";
import { httpTarget } from "./targets";

describeApi4Contract("HttpApi → local server", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lfd-contract4-http-"));
  const publicKey = "pk-lf-contract4";
  const secretKey = "sk-lf-contract4-secret";
  const server = await startServer({ host: "127.0.0.1", port: 0, dbPath: join(dir, "langfuse.db"), publicKey, secretKey });
  return httpTarget(server.url, publicKey, secretKey, {
    eventual: false,
    legacyReads: true,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});
