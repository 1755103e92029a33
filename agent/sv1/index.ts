// agent/sv1 — Stratum V1 JSON-RPC line codec, message parsers (both sides) and the messages a
// server builds from the agent's job model (pure: no sockets).
export * from './errors.js';
export * from './line-codec.js';
export * from './messages.js';
export * from './build.js';
