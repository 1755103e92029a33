// Coinbase transactions as the pool builds them for SV2 jobs: the extranonce sits exactly between
// coinbase_tx_prefix and coinbase_tx_suffix, at the end of the scriptSig (as SRI lays it out).
import { compactSize, concat, pushData, serializeOutputs, u32le, type TxOut } from './tx.js';

export interface CoinbaseParts {
  prefix: Uint8Array;
  suffix: Uint8Array;
}

export interface CoinbaseSpec {
  version: number;
  /** Template's scriptSig start (the BIP34 height push). */
  scriptSigPrefix: Uint8Array;
  /** Pool tag pushed after the height, e.g. "/hashagent/". */
  tag: Uint8Array;
  /** Bytes of extranonce (prefix + rollable) that complete the scriptSig. */
  extranonceSize: number;
  sequence: number;
  outputs: readonly TxOut[];
  /** Template outputs already serialised (NewTemplate.coinbase_tx_outputs), appended last. */
  extraOutputs?: { count: number; bytes: Uint8Array };
  locktime: number;
}

export class CoinbaseError extends Error {
  override readonly name = 'CoinbaseError';
}

/** Legacy (non-witness) serialisation split around the extranonce. */
export function buildCoinbaseParts(s: CoinbaseSpec): CoinbaseParts {
  if (s.extranonceSize > 75) throw new CoinbaseError('extranonce too long for one push');
  const scriptSigHead = concat(s.scriptSigPrefix, s.tag.length ? pushData(s.tag) : new Uint8Array(0), Uint8Array.of(s.extranonceSize));
  const scriptSigLen = scriptSigHead.length + s.extranonceSize;
  if (scriptSigLen > 100) throw new CoinbaseError(`coinbase scriptSig of ${scriptSigLen} bytes exceeds 100`);
  const prefix = concat(
    u32le(s.version),
    Uint8Array.of(1), // one input
    new Uint8Array(32), // null prevout hash
    u32le(0xffffffff), // prevout index
    compactSize(scriptSigLen),
    scriptSigHead,
  );
  const extra = s.extraOutputs ?? { count: 0, bytes: new Uint8Array(0) };
  const suffix = concat(u32le(s.sequence), compactSize(s.outputs.length + extra.count), serializeOutputs(s.outputs), extra.bytes, u32le(s.locktime));
  return { prefix, suffix };
}
