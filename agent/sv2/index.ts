// hashagent/sv2 — the Stratum V2 protocol library: types, framing, Noise, messages.
// Pure: bytes in, values out (no sockets, timers or files).
export * from './errors.js';
export * from './binary.js';
export * from './framing.js';
export * from './messages/index.js';
export * from './codec.js';
export * from './json.js';
export * from './keys.js';
export * from './encrypted-framing.js';
export * from './noise/aead.js';
export * from './noise/cipher-state.js';
export * from './noise/symmetric-state.js';
export * from './noise/certificate.js';
export * from './noise/ellswift.js';
export * from './noise/handshake.js';
export * from './noise/collect.js';
