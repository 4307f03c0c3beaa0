/** Public decorators. One line per decorator file (each owner appends its own). */
export {};
