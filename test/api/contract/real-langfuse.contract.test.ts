/**
 * The contract against a real Langfuse, opt-in:
 *   LANGFUSE_CONTRACT_BASE_URL=https://... LANGFUSE_CONTRACT_PUBLIC_KEY=pk-... LANGFUSE_CONTRACT_SECRET_KEY=sk-...
 * Set LANGFUSE_CONTRACT_V4=1 for a v4 server in events_only mode (the v3 read endpoints answer 404 there).
 * Writes are processed asynchronously by a real server, so reads are polled.
 */
import { describeApiContract } from "./api-contract";
import { httpTarget } from "./targets";

const baseUrl = process.env.LANGFUSE_CONTRACT_BASE_URL;
const publicKey = process.env.LANGFUSE_CONTRACT_PUBLIC_KEY;
const secretKey = process.env.LANGFUSE_CONTRACT_SECRET_KEY;

if (baseUrl && publicKey && secretKey) {
  jest.setTimeout(180_000);
  describeApiContract(`HttpApi → ${baseUrl}`, async () =>
    httpTarget(baseUrl, publicKey, secretKey, { eventual: true, legacyReads: process.env.LANGFUSE_CONTRACT_V4 !== "1" }),
  );
} else {
  test.skip("real Langfuse contract: set LANGFUSE_CONTRACT_BASE_URL, _PUBLIC_KEY and _SECRET_KEY to run it", () => undefined);
}
