// Payout scripts from addresses: base58check P2PKH/P2SH and segwit bech32 (v0) / bech32m (v1+)
// for mainnet, testnet/signet and regtest. Anything else is a typed AddressError.
import { bech32, bech32m, createBase58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';

export type Network = 'mainnet' | 'testnet' | 'signet' | 'regtest';

export class AddressError extends Error {
  override readonly name = 'AddressError';
}

const b58c = createBase58check(sha256);
const HRP: Record<Network, string> = { mainnet: 'bc', testnet: 'tb', signet: 'tb', regtest: 'bcrt' };
const P2PKH: Record<Network, number> = { mainnet: 0x00, testnet: 0x6f, signet: 0x6f, regtest: 0x6f };
const P2SH: Record<Network, number> = { mainnet: 0x05, testnet: 0xc4, signet: 0xc4, regtest: 0xc4 };

/** The scriptPubKey an address pays to, checked against `network`. */
export function addressToScript(address: string, network: Network): Uint8Array {
  const hrp = HRP[network];
  if (address.toLowerCase().startsWith(hrp + '1')) return segwitScript(address, hrp);
  let raw: Uint8Array;
  try {
    raw = b58c.decode(address);
  } catch {
    throw new AddressError(`'${address}' is neither a ${network} segwit address nor valid base58check`);
  }
  if (raw.length !== 21) throw new AddressError(`'${address}': base58 payload of ${raw.length} bytes (want 21)`);
  const hash = raw.subarray(1);
  if (raw[0] === P2PKH[network]) return Uint8Array.from([0x76, 0xa9, 0x14, ...hash, 0x88, 0xac]);
  if (raw[0] === P2SH[network]) return Uint8Array.from([0xa9, 0x14, ...hash, 0x87]);
  throw new AddressError(`'${address}': version byte 0x${raw[0]!.toString(16)} is not a ${network} address`);
}

function segwitScript(address: string, hrp: string): Uint8Array {
  if (address !== address.toLowerCase() && address !== address.toUpperCase()) throw new AddressError(`'${address}': mixed case`);
  const text = address.toLowerCase() as `${string}1${string}`;
  let version: number;
  let program: Uint8Array;
  // BIP350: witness v0 uses bech32, v1+ bech32m; the checksum must match the version.
  let decoded: { prefix: string; words: number[] };
  let isM = false;
  try {
    decoded = bech32.decode(text, 90);
  } catch {
    try {
      decoded = bech32m.decode(text, 90);
      isM = true;
    } catch {
      throw new AddressError(`'${address}': invalid bech32/bech32m checksum or characters`);
    }
  }
  if (decoded.prefix !== hrp) throw new AddressError(`'${address}': prefix '${decoded.prefix}' is not '${hrp}'`);
  if (decoded.words.length === 0) throw new AddressError(`'${address}': empty data`);
  version = decoded.words[0]!;
  if (version > 16) throw new AddressError(`'${address}': witness version ${version} > 16`);
  if ((version === 0) === isM) throw new AddressError(`'${address}': witness v${version} needs ${version === 0 ? 'bech32' : 'bech32m'}`);
  try {
    program = (isM ? bech32m : bech32).fromWords(decoded.words.slice(1));
  } catch {
    throw new AddressError(`'${address}': invalid padding in the witness program`);
  }
  if (program.length < 2 || program.length > 40) throw new AddressError(`'${address}': witness program of ${program.length} bytes`);
  if (version === 0 && program.length !== 20 && program.length !== 32) throw new AddressError(`'${address}': v0 program must be 20 or 32 bytes`);
  return Uint8Array.from([version === 0 ? 0 : 0x50 + version, program.length, ...program]);
}
