// Merkle trees in Bitcoin's internal byte order (as SV2 sends merkle paths: raw, no reversal).
import { sha256d } from './hash.js';

function pair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  buf.set(a);
  buf.set(b, 32);
  return sha256d(buf);
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
