export { DatasetManager, type CreateDatasetInput, type CreateDatasetItemInput, type GetDatasetOptions } from "./dataset-manager";
export { DatasetClient, DatasetItemClient, type ItemRunOptions } from "./dataset-client";
export { compileSchema, validateAgainstSchema } from "./schema-validator";
export type { EvalsHost, RunObservation, EvaluatorClient } from "./types";
