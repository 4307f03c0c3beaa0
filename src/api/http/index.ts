export { HttpApi, type HttpApiOptions } from "./http-api";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry-policy";
