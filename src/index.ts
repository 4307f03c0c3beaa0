/**
 * The public entry of langfuse-decorators: every name a user imports, listed by name (internal
 * modules import concrete files, never this barrel). The embedded store and the local server
 * are subpath exports ("langfuse-decorators/local", "langfuse-decorators/server"): this entry
 * must not load better-sqlite3 (a native addon) or fastify for apps that talk to a Langfuse server.
 */
import "reflect-metadata";

// Errors
export { LangfuseError, LangfuseValidationError, type LangfuseErrorCode, type ValidationIssue } from "./errors";
export { LangfuseApiError } from "./api/errors";
export { normalizeUsage } from "./api/usage";
export type { UsageDetailsInput, OpenAIChatUsage, OpenAIResponsesUsage, AnthropicUsage, LangChainUsageMetadata } from "./api/usage";

// The public API's types and clients
export type {
  ChatMessage,
  ChatMessageOrPlaceholder,
  ChatPlaceholder,
  ChatPrompt,
  CreateChatPromptRequest,
  CreateDatasetRequest,
  CreateDatasetRunItemRequest,
  CreateMediaRequest,
  CreateMediaResponse,
  CreatePromptRequest,
  CreateScoreRequest,
  CreateTextPromptRequest,
  Dataset,
  DatasetItem,
  DatasetRun,
  DatasetRunItem,
  DatasetRunWithItems,
  DatasetStatus,
  GetPromptQuery,
  HealthResponse,
  IngestionEvent,
  IngestionResult,
  Json,
  JsonValue,
  ListDatasetItemsQuery,
  ListDatasetRunItemsQuery,
  ListObservationsQuery,
  ListPromptsQuery,
  ListScoresQuery,
  ListSessionsQuery,
  ListTracesQuery,
  Media,
  MediaField,
  Observation,
  ObservationLevel,
  ObservationType,
  Organization,
  PageMeta,
  PageQuery,
  Paginated,
  PatchMediaRequest,
  Project,
  Projects,
  PromptMeta,
  Score,
  ScoreDataType,
  ScoreSource,
  Session,
  SessionWithTraces,
  TextPrompt,
  Trace,
  TraceListItem,
  TraceWithDetails,
  UpsertDatasetItemRequest,
} from "./api/types";
export type {
  AnnotationQueue,
  AnnotationQueueItem,
  Comment,
  CreateAnnotationQueueRequest,
  CreateCommentRequest,
  CreateModelRequest,
  CreateScoreConfigRequest,
  CursorPage,
  Experiment,
  ExperimentItemRecord,
  LegacyIngestionEvent,
  ListCommentsQuery,
  ListExperimentItemsQuery,
  ListExperimentsQuery,
  ListObservationsV2Query,
  ListScoresV3Query,
  MetricsFilter,
  MetricsQuery,
  MetricsResponse,
  Model,
  ObservationV2,
  PricingTier,
  ScoreConfig,
  ScoreV3,
  UpdateScoreConfigRequest,
} from "./api/types-v4";
export type { LangfuseApi } from "./api/langfuse-api";
export { HttpApi, type HttpApiOptions } from "./api/http/http-api";

// Configuration
export type { LangfuseOptions } from "./config/options";
export type { LangfuseMode, MaskFunction, ResolvedConfig, ShouldExportSpan } from "./config/types";
export { resolveConfig } from "./config/resolve-config";
export { SDK_NAME, SDK_VERSION } from "./config/sdk-info";

// The client
export { Langfuse, type FlushOptions, type FlushResult } from "./client/langfuse";
export { getClient } from "./client/get-client";
export type { Flushable, FlushReport } from "./flushable";

// Tracing
export { Attr as LangfuseOtelSpanAttributes, OBSERVATION_TYPES, MASK_FAILED } from "./tracing/constants";
export type { ObservationType as LangfuseObservationType } from "./tracing/constants";
export type {
  PromptLink,
  LangfuseSpanAttributes,
  LangfuseGenerationAttributes,
  LangfuseEventAttributes,
  LangfuseTraceAttributes,
} from "./tracing/attributes";
export {
  LangfuseObservationBase,
  LangfuseSpan,
  LangfuseGeneration,
  LangfuseEvent,
  LangfuseAgent,
  LangfuseTool,
  LangfuseChain,
  LangfuseRetriever,
  LangfuseEvaluator,
  LangfuseEmbedding,
  LangfuseGuardrail,
  type TraceContext,
  type AttributesByType,
  type ObservationByType,
  type LangfuseObservation,
  type StartObservationOptions,
  type StartAsCurrentObservationOptions,
} from "./tracing/observations";
export { propagateAttributes, type PropagateAttributesParams, type PropagatedExperimentAttributes } from "./tracing/propagation";
export { isTraceSampled } from "./tracing/sampling";
export {
  LangfuseSpanProcessor,
  isDefaultExportSpan,
  isKnownLLMInstrumentationScope,
  KNOWN_LLM_INSTRUMENTATION_SCOPE_PREFIXES,
  type LangfuseSpanProcessorParams,
} from "./tracing/span-processor";
export type { ProviderMode } from "./tracing/tracer-setup";
export {
  updateCurrentSpan,
  updateCurrentGeneration,
  updateCurrentTrace,
  getCurrentTraceId,
  getCurrentObservationId,
  createTraceId,
} from "./tracing/current";
export { observe, getOriginalFunction, type ObserveOptions, type ObserveConfig, type DynamicObserveOptions } from "./tracing/observe";
export { startObservation, startAsCurrentObservation, scoreCurrentSpan, scoreCurrentTrace } from "./tracing/free-functions";
export { getCurrentTraceparent, injectTraceContext, parseTraceparent, type HeaderCarrier } from "./tracing/w3c";

// Decorators
export { Observe, Observable, type ObserveMethodDecorator, type ObservableClassDecorator } from "../decorators/observe.decorator";
export { getObserveOptions, isObserved, OBSERVE_OPTIONS_METADATA } from "../decorators/metadata";
// `Prompt` is the @Prompt decorator; the API's prompt object type is TextPrompt | ChatPrompt.
export { Prompt, type PromptDecorator } from "../decorators/prompt.decorator";
export { Evaluator, RunEvaluator, Task } from "../decorators/evaluator.decorator";
export { ExperimentSuite } from "../decorators/experiment.decorator";

// Prompts
export {
  TextPromptClient,
  ChatPromptClient,
  type PromptClient,
  type PromptClientJson,
  type PromptConfig,
  type PromptPlaceholders,
  type PromptType,
  type CompiledChatPrompt,
  type LangchainChatMessage,
} from "./prompts/prompt-clients";
export type {
  CreatePromptOptions,
  CreateTextPromptOptions,
  CreateChatPromptOptions,
  GetPromptOptions,
  GetTextPromptOptions,
  GetChatPromptOptions,
  UpdatePromptOptions,
  DeletePromptOptions,
  PromptFallback,
} from "./prompts/types";
export { PromptRef, type PromptRefOptions, type PromptSource, type CompiledPrompt } from "./prompts/prompt-ref";
export type { PromptVariables } from "./prompts/template";

// Scores
export type { CreateScoreInput, ScoreOptions, ScoreOutcome, ScoreTarget } from "./tracing/score-port";

// Datasets
export { DatasetClient, DatasetItemClient, type ItemRunOptions } from "./datasets/dataset-client";
export type { CreateDatasetInput, CreateDatasetItemInput, GetDatasetOptions } from "./datasets/dataset-manager";
export type { RunObservation } from "./experiments/host";

// Experiments
export { Evaluation, type EvaluationInit, type EvaluationValue } from "./experiments/evaluation";
export { ExperimentResult, type ScoreSummary } from "./experiments/experiment-result";
export type {
  DatasetExperimentOptions,
  EvaluatorArgs,
  EvaluatorError,
  EvaluatorFn,
  EvaluatorReturn,
  ExperimentItem,
  ExperimentItemResult,
  ExperimentOptions,
  LocalExperimentItem,
  RunEvaluatorArgs,
  RunEvaluatorFn,
  TaskArgs,
  TaskFn,
} from "./experiments/types";
export { createEvaluatorFromAutoevals, type AutoevalsScore, type AutoevalsScorer } from "./experiments/autoevals";
export { evaluateGate, type GateCheck, type GateOptions, type GateResult, type Threshold, type Thresholds } from "./experiments/gate";
export { decideVerdict, formatGateTable, toJUnit, toJsonReport, toMarkdownSummary, type ExitCode, type Verdict } from "./experiments/suites/suite-report";
export {
  clearRegisteredSuites,
  getRegisteredSuites,
  getSuiteOptions,
  type EvaluatorClass,
  type ExperimentSuiteOptions,
  type RegisteredSuite,
  type SuiteClass,
} from "./experiments/suites/suite-registry";
export type { EvaluatorOptions } from "./experiments/suites/evaluator-registry";
export {
  runSuites,
  type DiContainer,
  type RunSuitesOptions,
  type SuiteClient,
  type SuiteOutcome,
  type SuiteRunReport,
} from "./experiments/suites/suite-runner";

// Dependency injection (tsyringe)
export { registerLangfuse, resolveLangfuse, type RegisterLangfuseOptions } from "./di/register-langfuse";
export { resolveClient, type ClientResolver } from "./di/resolve-client";
export { LANGFUSE_CLIENT, LANGFUSE_PROMPT_REF_TRANSFORM, type PromptRefTransform, type TypedToken } from "./di/tokens";

// Media
export { LangfuseMedia, type LangfuseMediaInit } from "./media/langfuse-media";
export { resolveMediaReferences, type ResolveMediaReferencesOptions } from "./media/resolve-media-references";
export { formatMediaReference, parseMediaReference, type MediaSource, type ParsedMediaReference } from "./media/media-reference";
export { configureMedia, type MediaSettings } from "./media/media-settings";
export { MEDIA_CONTENT_TYPES, MEDIA_MAX_CONTENT_LENGTH } from "./media/media-content";
