/**
 * A tiny retrieval index over product documentation: the "model" of the QA service. It is
 * deterministic so the sample runs offline; swap `QaService.answer` for an LLM call in a real app.
 */
export interface Passage {
  id: string;
  title: string;
  text: string;
}

const PASSAGES: Passage[] = [
  { id: "tracing", title: "Tracing", text: "Langfuse traces are built on OpenTelemetry spans exported over OTLP." },
  { id: "prompts", title: "Prompts", text: "Prompts are versioned and the production label marks the version served by default." },
  { id: "scores", title: "Scores", text: "Scores can be numeric, categorical or boolean, and boolean scores take the values 0 or 1." },
  { id: "datasets", title: "Datasets", text: "Dataset items are versioned, so a dataset can be read as it was at any timestamp." },
  { id: "experiments", title: "Experiments", text: "An experiment runs a task over every dataset item and evaluators score each output." },
  { id: "local", title: "Local mode", text: "Without keys the SDK records everything to an embedded SQLite store." },
];

const STOP = new Set(["the", "a", "an", "is", "are", "of", "to", "what", "which", "how", "do", "does", "and", "or", "can", "by", "on", "in", "at", "be", "it", "so", "when", "without"]);

export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 ]/g, " ")
    .split(/\s+/)
    .filter((t) => t.length > 1 && !STOP.has(t))
    .map((t) => t.replace(/s$/, ""));
}

export class KnowledgeBase {
  private readonly index = PASSAGES.map((p) => ({ passage: p, terms: new Set(tokens(`${p.title} ${p.text}`)) }));

  /** Passages ranked by how many question terms they contain (best first, ties by order). */
  search(question: string, limit = 2): Passage[] {
    const q = tokens(question);
    return this.index
      .map((e, i) => ({ e, i, hits: q.filter((t) => e.terms.has(t)).length }))
      .filter((r) => r.hits > 0)
      .sort((a, b) => b.hits - a.hits || a.i - b.i)
      .slice(0, limit)
      .map((r) => r.e.passage);
  }
}
