/**
 * The OpenAI-compatible stub server in its own process for bench/openai.bench.ts, so the
 * bench process's CPU time is the client's alone and the server's work does not queue on the
 * client's event loop. Sends its baseURL to the parent; exits when the parent goes.
 */
import { startOpenAIStub } from "../samples/openai/stub-server";

void startOpenAIStub().then((stub) => {
  process.send?.(stub.baseURL);
  process.on("disconnect", () => void stub.close().then(() => process.exit(0)));
});
