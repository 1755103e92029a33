// agent/bitcoin — pure Bitcoin primitives: hashing, targets, merkle trees, headers, transactions.
export * from './hash.js';
export * from './bytes.js';
export * from './target.js';
export * from './merkle.js';
export * from './header.js';
export * from './tx.js';
export * from './coinbase.js';
export * from './tx-parse.js';
export * from './errors.js';
export * from './address.js';
export * from './midstate.js';
export * from './bip141.js';
export { sha256dPair, sha256Of32 } from './sha256d64.js';
