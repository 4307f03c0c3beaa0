/**
 * The Langfuse default model price table (MIT, see NOTICE.md next to it). Imported through
 * this module so the JSON is copied into the build and only loaded when a cost is computed.
 */
import data from "./model-prices.json";

export const MODEL_PRICE_TABLE: unknown = data;
