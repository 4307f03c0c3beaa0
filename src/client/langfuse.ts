/**
 * The Langfuse client facade.
 *
 * OWNERSHIP (several people work on this file; edit only your own region, with small
 * str_replace edits, never rewrite the whole file):
 *   - constructor, config, backend, flush/shutdown, tracing region: tracing helper
 *   - prompts region: prompts helper (lazy getter for its PromptManager + delegate methods)
 *   - scores/datasets/experiments region: evals helper (same pattern)
 * Managers are created lazily in their region (private getter) so the constructor never
 * needs to change for them. Queues register with `registerFlushable` on creation.
 */
export {};
