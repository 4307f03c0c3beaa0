import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../../../src/server";
import { describeApiContract } from "./api-contract";
import { httpTarget } from "./targets";

describeApiContract("HttpApi → local server", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lfd-contract-http-"));
  const publicKey = "pk-lf-contract";
  const secretKey = "sk-lf-contract-secret";
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
