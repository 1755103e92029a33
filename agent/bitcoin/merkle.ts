// Merkle trees in Bitcoin's internal byte order (as SV2 sends merkle paths: raw, no reversal).
import { sha256d } from './hash.js';

// One reused scratch buffer: pair() is synchronous, and a fresh 64-byte array per node costs
// more than its hash (small typed arrays live on V8's heap and are copied out for native code).
const scratch = new Uint8Array(new ArrayBuffer(64));

function pair(a: Uint8Array, b: Uint8Array): Uint8Array {
  scratch.set(a);
  scratch.set(b, 32);
  return sha256d(scratch);
}

/** Root from the coinbase txid and the path of its siblings, deepest first. */
export function merkleRootFromPath(coinbaseTxid: Uint8Array, path: readonly Uint8Array[]): Uint8Array {
  let root = coinbaseTxid;
  for (const node of path) root = pair(root, node);
  return root;
}

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
