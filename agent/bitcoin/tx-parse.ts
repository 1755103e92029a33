// A strict parser for the transactions the pool and the embedded chain check (coinbases).
import { TxParseError } from './errors.js';

export interface ParsedTx {
  version: number;
  inputs: { prevout: Uint8Array; index: number; scriptSig: Uint8Array; sequence: number; witness: Uint8Array[] }[];
  outputs: { value: bigint; script: Uint8Array }[];
  locktime: number;
  hasWitness: boolean;
}

export function parseTx(b: Uint8Array): ParsedTx {
  let o = 0;
  const need = (n: number, what: string) => {
    if (o + n > b.length) throw new TxParseError(`transaction truncated reading ${what} at byte ${o}`);
  };
  const u32 = (what: string) => {
    need(4, what);
    const v = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
    o += 4;
    return v;
  };
  const varint = (what: string): number => {
    need(1, what);
    const f = b[o++]!;
    if (f < 0xfd) return f;
    const n = f === 0xfd ? 2 : f === 0xfe ? 4 : 8;
    need(n, what);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[o + i]!;
    o += n;
    if (v > b.length) throw new TxParseError(`${what}: count ${v} larger than the transaction`);
    return v;
  };
  const bytes = (n: number, what: string) => {
    need(n, what);
    const out = b.subarray(o, o + n);
    o += n;
    return out;
  };
  const version = u32('version');
  let hasWitness = false;
  if (b[o] === 0 && b[o + 1] === 1) {
    hasWitness = true;
    o += 2;
  }
  const nIn = varint('input count');
  const inputs: ParsedTx['inputs'] = [];
  for (let i = 0; i < nIn; i++) {
    const prevout = bytes(32, 'prevout');
    const index = u32('prevout index');
    const scriptSig = bytes(varint('scriptSig length'), 'scriptSig');
    inputs.push({ prevout, index, scriptSig, sequence: u32('sequence'), witness: [] });
  }
  const nOut = varint('output count');
  const outputs: ParsedTx['outputs'] = [];
  for (let i = 0; i < nOut; i++) {
    need(8, 'value');
    let value = 0n;
    for (let k = 7; k >= 0; k--) value = (value << 8n) | BigInt(b[o + k]!);
    o += 8;
    outputs.push({ value, script: bytes(varint('script length'), 'script') });
  }
  if (hasWitness) {
    for (const input of inputs) {
      const n = varint('witness items');
      for (let k = 0; k < n; k++) input.witness.push(bytes(varint('witness item length'), 'witness item'));
    }
  }
  const locktime = u32('locktime');
  if (o !== b.length) throw new TxParseError(`${b.length - o} trailing byte(s) after the transaction`);
  return { version, inputs, outputs, locktime, hasWitness };
}
