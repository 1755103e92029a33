// Merkle trees in Bitcoin's internal byte order (as SV2 sends merkle paths: raw, no reversal).
// Nodes are hashed by sha256dPair (pure JS, three compressions): at 64 bytes it beats a call
// into node:crypto, and miners compute a 12-level root for every work item.
import { sha256dPair } from './sha256d64.js';

const pair = (a: Uint8Array, b: Uint8Array): Uint8Array => sha256dPair(a, b);

/** Root from the coinbase txid and the path of its siblings, deepest first; written to `out` when
 * given (which may not alias the txid), else to a fresh array. */
export function merkleRootFromPath(coinbaseTxid: Uint8Array, path: readonly Uint8Array[], out?: Uint8Array): Uint8Array {
  if (path.length === 0) {
    if (!out) return coinbaseTxid;
    out.set(coinbaseTxid);
    return out;
  }
  // Two scratch nodes in turn; only the root is written to `out` (or a fresh array).
  let root = coinbaseTxid;
  for (let i = 0; i < path.length; i++) root = sha256dPair(root, path[i]!, i === path.length - 1 ? (out ?? new Uint8Array(32)) : i % 2 ? nodeB : nodeA);
  return root;
}

const nodeA = new Uint8Array(32);
const nodeB = new Uint8Array(32);

/** The path for the first transaction (the coinbase) of a block whose txids are `txids`. */
export function merklePathForFirst(txids: readonly Uint8Array[]): Uint8Array[] {
  const path: Uint8Array[] = [];
  let level = [...txids];
  while (level.length > 1) {
    path.push(level[1] ?? level[0]!);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(pair(level[i]!, level[i + 1] ?? level[i]!));
    level = next;
  }
  return path;
}

export function merkleRoot(txids: readonly Uint8Array[]): Uint8Array {
  let level = [...txids];
  if (level.length === 0) throw new RangeError('a block has at least one transaction');
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(pair(level[i]!, level[i + 1] ?? level[i]!));
    level = next;
  }
  return level[0]!;
}
