export { ScoreManager, type ScoreManagerOptions, type ScoreOutcome, type ScoreTarget } from "./score-manager";
export { ScoreQueue, DEFAULT_MAX_BATCH_BYTES, type ScoreQueueOptions, type ScoreLogger } from "./score-queue";
export { isRetryableStatus } from "../api/http/retry-policy";
export { validateScore, type CreateScoreInput, type ScoreOptions, type ScoreValidationResult } from "./score-validation";
