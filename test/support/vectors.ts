// Reads the published CSV vectors in test/vectors (plain CSV, no quoted fields).
import { readFileSync } from 'node:fs';

export function readCsv(name: string): Record<string, string>[] {
  const text = readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8').trim();
  const [head, ...rows] = text.split(/\r?\n/);
  const cols = head!.split(',');
  return rows.map((r) => {
    const cells = r.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

export const hexToBytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
export const bytesToHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
