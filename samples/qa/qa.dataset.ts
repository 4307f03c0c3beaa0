import type { Langfuse } from "../../src";

export const QA_DATASET = "samples/qa-basics";

/** Question, the facts a correct answer must contain, and the passage it should come from. */
const ITEMS = [
  { id: "qa-tracing", question: "What are Langfuse traces built on?", facts: ["opentelemetry"], source: "tracing" },
  { id: "qa-prompts", question: "Which prompt label is served by default?", facts: ["production"], source: "prompts" },
  { id: "qa-boolean", question: "Which values do boolean scores take?", facts: ["0", "1"], source: "scores" },
  { id: "qa-versions", question: "Can a dataset be read at an earlier timestamp?", facts: ["timestamp"], source: "datasets" },
  { id: "qa-experiments", question: "What do evaluators score in an experiment?", facts: ["output"], source: "experiments" },
  { id: "qa-local", question: "Where does the SDK record data without keys?", facts: ["sqlite"], source: "local" },
  // The keyword retriever finds the right passage but it does not say this: a known miss.
  { id: "qa-archived", question: "What happens to archived dataset items?", facts: ["excluded"], source: "datasets" },
];

/**
 * Creates (or updates, by id) the dataset. The schemas make Langfuse reject malformed items
 * at creation time instead of failing the experiment later.
 */
export async function seedQaDataset(langfuse: Langfuse): Promise<void> {
  await langfuse.createDataset({
    name: QA_DATASET,
    description: "Questions about the SDK with the facts a correct answer must mention",
    metadata: { owner: "samples" },
    inputSchema: { type: "object", properties: { question: { type: "string", minLength: 5 } }, required: ["question"] },
    expectedOutputSchema: {
      type: "object",
      properties: { facts: { type: "array", items: { type: "string" }, minItems: 1 }, source: { type: "string" } },
      required: ["facts", "source"],
    },
  });
  for (const item of ITEMS) {
    await langfuse.createDatasetItem({
      datasetName: QA_DATASET,
      id: item.id,
      input: { question: item.question },
      expectedOutput: { facts: item.facts, source: item.source },
    });
  }
}
