/**
 * The `Langfuse` client as the layers below src/client name it. It is empty here and augmented
 * once, in src/client/langfuse.ts, to be the whole `Langfuse` class: public types such as
 * `observation.client` and an evaluator's `langfuse` argument are then the full client, while
 * tracing, datasets and experiments never import src/client (DESIGN.md 2a, rule 1).
 */
export interface LangfuseClient {}
