// BIP141: a transaction's txid hashes its serialisation without the segwit marker, flag and
// witnesses. NewExtendedMiningJob coinbase parts must be stripped so their hash is the txid.
import { TxParseError } from './errors.js';
import { compactSize, concat, u32le } from './tx.js';
import { parseTx, type ParsedTx } from './tx-parse.js';

/** The legacy (txid) serialisation of a parsed transaction. */
export function serializeTx(tx: ParsedTx, withWitness = false): Uint8Array {
  const parts: Uint8Array[] = [u32le(tx.version)];
  const segwit = withWitness && tx.inputs.some((i) => i.witness.length > 0);
  if (segwit) parts.push(Uint8Array.of(0, 1));
  parts.push(compactSize(tx.inputs.length));
  for (const i of tx.inputs) parts.push(i.prevout, u32le(i.index), compactSize(i.scriptSig.length), i.scriptSig, u32le(i.sequence));
  parts.push(compactSize(tx.outputs.length));
  for (const o of tx.outputs) {
    const v = new Uint8Array(8);
    for (let k = 0; k < 8; k++) v[k] = Number((o.value >> BigInt(8 * k)) & 0xffn);
    parts.push(v, compactSize(o.script.length), o.script);
  }
  if (segwit) for (const i of tx.inputs) parts.push(compactSize(i.witness.length), ...i.witness.flatMap((w) => [compactSize(w.length), w]));
  parts.push(u32le(tx.locktime));
  return concat(...parts);
}

/** A whole transaction without its witness data (unchanged if it has none). */
export function stripWitness(tx: Uint8Array): Uint8Array {
  const p = parseTx(tx);
  return p.hasWitness ? serializeTx(p, false) : tx;
}

/**
 * Coinbase prefix/suffix as some pools send them (with BIP141 fields) → stripped, as SRI's
 * translator does defensively: marker 00 + non-zero flag after the 4-byte version, and the
 * coinbase witness (one item of 32 bytes: 01 20 <32>) just before the 4-byte locktime.
 */
export function stripCoinbaseParts(prefix: Uint8Array, suffix: Uint8Array): { prefix: Uint8Array; suffix: Uint8Array; stripped: boolean } {
  if (prefix.length < 6 || prefix[4] !== 0x00 || prefix[5] === 0x00) return { prefix, suffix, stripped: false };
  const w = suffix.length - 4 - 34;
  if (w < 0 || suffix[w] !== 0x01 || suffix[w + 1] !== 0x20) {
    throw new TxParseError('coinbase has a segwit marker but no 32-byte witness reserved value before its locktime');
  }
  return {
    prefix: concat(prefix.subarray(0, 4), prefix.subarray(6)),
    suffix: concat(suffix.subarray(0, w), suffix.subarray(suffix.length - 4)),
    stripped: true,
  };
}

/** BIP141 commitment output: OP_RETURN, push of 36 bytes, 0xaa21a9ed header, 32-byte commitment. */
export function isWitnessCommitment(script: Uint8Array): boolean {
  return script.length >= 38 && script[0] === 0x6a && script[1] === 0x24 && script[2] === 0xaa && script[3] === 0x21 && script[4] === 0xa9 && script[5] === 0xed;
}

/**
 * The coinbase as a block carries it: when one of its outputs is a witness commitment, it needs
 * the marker, flag and the witness reserved value (one 32-byte item, zero as Bitcoin Core's
 * templates assume). sv2-spec 07 SubmitSolution: the coinbase is sent with these fields; Bitcoin
 * Core rejects a committing block without them (`bad-witness-nonce-size`).
 */
export function coinbaseForBlock(coinbase: Uint8Array): Uint8Array {
  const tx = parseTx(coinbase);
  if (tx.hasWitness || !tx.outputs.some((o) => isWitnessCommitment(o.script))) return coinbase;
  tx.inputs[0]!.witness = [new Uint8Array(32)];
  return serializeTx(tx, true);
}
