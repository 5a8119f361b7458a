// Everything that crosses a boundary (receiver ↔ extension ↔ UI, and the state file the receiver
// leaves for the editor), by layer: each file imports only the ones above it in this list.
export * from './otlp';
export * from './genai';
export * from './live';
export * from './runs';
export * from './replay';
export * from './insights';
export * from './ui';
export * from './stateFile';
