/** Public decorators. One line per decorator file (each owner appends its own). */
export {};
export * from "./observe.decorator";
export { getObserveOptions, isObserved, OBSERVE_OPTIONS_METADATA } from "./metadata";
export * from "./prompt.decorator";
export * from "./evaluator.decorator";
export * from "./experiment.decorator";
