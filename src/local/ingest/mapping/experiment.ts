/** Experiment attributes (reference/langfuse-server-api.md §8.9) as the observation's `experiment` JSON. */
import type { IngestAttributes } from "../span";
import { isSet, parseJsonObject } from "./attribute-values";

const EXPERIMENT_KEYS: [string, string][] = [
  ["langfuse.experiment.id", "id"],
  ["langfuse.experiment.name", "name"],
  ["langfuse.experiment.description", "description"],
  ["langfuse.experiment.dataset.id", "datasetId"],
  ["langfuse.experiment.item.id", "itemId"],
  ["langfuse.experiment.item.root_observation_id", "itemRootObservationId"],
  ["langfuse.experiment.item.expected_output", "itemExpectedOutput"],
];

export function extractExperiment(a: IngestAttributes): string | null {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [k, name] of EXPERIMENT_KEYS)
    if (isSet(a[k])) {
      out[name] = a[k];
      any = true;
    }
  const version = a["langfuse.experiment.item.version"];
  if (typeof version === "string" && !Number.isNaN(Date.parse(version))) {
    out.itemVersion = new Date(version).toISOString();
    any = true;
  }
  for (const [key, name] of [
    ["langfuse.experiment.metadata", "metadata"],
    ["langfuse.experiment.item.metadata", "itemMetadata"],
  ] as const) {
    const md: Record<string, unknown> = { ...(parseJsonObject(a[key]) ?? {}) };
    for (const k in a) if (k.startsWith(key + ".")) md[k.slice(key.length + 1)] = a[k];
    if (Object.keys(md).length) {
      out[name] = md;
      any = true;
    }
  }
  return any ? JSON.stringify(out) : null;
}
