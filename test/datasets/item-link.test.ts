import { BACKENDS, openClient, type ClientUnderTest } from "../experiments/helpers";
import { LangfuseValidationError } from "../../src/errors";

describe.each(BACKENDS)("item.link (%s)", (kind) => {
  let c: ClientUnderTest;
  beforeEach(async () => {
    c = await openClient(kind);
    await c.langfuse.createDataset({ name: "link-ds" });
    await c.langfuse.createDatasetItem({ datasetName: "link-ds", id: "i1", input: { q: 1 } });
  });
  afterEach(() => c.close());

  it("links an observation recorded elsewhere (or a whole trace) to the item as a run item", async () => {
    const span = c.langfuse.startObservation({ name: "answer" });
    span.end();
    await c.langfuse.flush();
    const [item] = (await c.langfuse.getDataset("link-ds")).items;
    const runItem = await item!.link(span, "linked-run", { description: "linked by hand", metadata: { v: 1 } });
    expect(runItem).toMatchObject({ datasetItemId: "i1", traceId: span.traceId, observationId: span.id, datasetRunName: "linked-run" });
    const traceOnly = await item!.link({ traceId: span.traceId }, "trace-run");
    expect(traceOnly.observationId).toBeNull();

    const run = await c.langfuse.api.datasets.getRun("link-ds", "linked-run");
    expect(run).toMatchObject({ description: "linked by hand", metadata: { v: 1 } });
    expect(run.datasetRunItems.map((r) => [r.traceId, r.observationId])).toEqual([[span.traceId, span.id]]);
    await expect(item!.link({ traceId: "" }, "x")).rejects.toBeInstanceOf(LangfuseValidationError);
    await expect(item!.link(span, " ")).rejects.toBeInstanceOf(LangfuseValidationError);
  });
});
