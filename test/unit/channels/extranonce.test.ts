import { describe, expect, it } from 'vitest';
import { ExtranonceAllocator, ExtranonceExhaustedError, indexBytesFor } from '../../../agent/channels/extranonce.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ExtranonceAllocator', () => {
  it('lays out server id ‖ index ‖ rollable like the SRI pool (1 + 3 + 16 bytes)', () => {
    const a = new ExtranonceAllocator(Uint8Array.of(0x01), 3, 20);
    const first = a.allocate();
    const second = a.allocate();
    expect(hex(first.prefix)).toBe('01000000');
    expect(hex(second.prefix)).toBe('01000001');
    expect(first.rollableSize).toBe(16);
    expect(hex(ExtranonceAllocator.standardPrefix(second))).toBe('01000001' + '00'.repeat(16));
  });
  it('never hands the same prefix to two live channels, and does not reuse a freed index at once', () => {
    const a = new ExtranonceAllocator(new Uint8Array(0), 1, 8);
    const seen = new Set<string>();
    const live = [];
    for (let i = 0; i < 256; i++) {
      const x = a.allocate();
      expect(seen.has(hex(x.prefix))).toBe(false);
      seen.add(hex(x.prefix));
      live.push(x);
    }
    expect(() => a.allocate()).toThrow(ExtranonceExhaustedError);
    a.release(live[10]!.index);
    a.release(live[200]!.index);
    // Round-robin continues after the last handed out: 10 comes before 200 after wrap-around.
    expect(a.allocate().index).toBe(10);
    expect(a.allocate().index).toBe(200);
  });
  it('rejects layouts that do not fit', () => {
    expect(() => new ExtranonceAllocator(new Uint8Array(30), 3, 32)).toThrow(RangeError);
    expect(() => new ExtranonceAllocator(new Uint8Array(1), 3, 33)).toThrow(RangeError);
  });
  it('sizes the index like SRI', () => {
    expect(indexBytesFor(256)).toBe(1);
    expect(indexBytesFor(257)).toBe(2);
    expect(indexBytesFor(65_536)).toBe(2);
    expect(indexBytesFor(16_777_216)).toBe(3);
  });
});
