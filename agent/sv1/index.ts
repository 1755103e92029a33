// agent/sv1 — Stratum V1 JSON-RPC messages and line codec (pure).
export * from './errors.js';
export * from './line-codec.js';
export * from './messages.js';
export * from './build.js';
