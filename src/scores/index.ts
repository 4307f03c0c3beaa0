export { ScoreManager, type ScoreManagerOptions, type ScoreOutcome, type ScoreTarget } from "./score-manager";
export { ScoreQueue, DEFAULT_MAX_BATCH_BYTES, type ScoreQueueOptions, type ScoreLogger, isRetryableStatus } from "./score-queue";
export { validateScore, type CreateScoreInput, type ScoreOptions, type ScoreValidationResult } from "./score-validation";
