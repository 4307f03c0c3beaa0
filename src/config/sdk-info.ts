/**
 * SDK identity sent in `x-langfuse-sdk-name` / `x-langfuse-sdk-version` and as the tracer scope
 * version. Kept as a constant (not read from package.json) because the file sits at a different
 * depth in src/ and dist/; test/config checks it equals package.json's version.
 */
export const SDK_NAME = "langfuse-decorators";
export const SDK_VERSION = "0.1.0";
