import { Langfuse } from "../../src";
import { httpFixture } from "./helpers";
import { linkingSuite } from "./linking.suite";

linkingSuite("HTTP: OTLP and API against the local server", async () => {
  const server = await httpFixture();
  const langfuse = new Langfuse({ publicKey: server.publicKey, secretKey: server.secretKey, baseUrl: server.url, flushInterval: 60 });
  return {
    langfuse,
    close: async () => {
      await langfuse.shutdown();
      await server.close();
    },
  };
});
