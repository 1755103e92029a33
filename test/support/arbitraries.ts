// fast-check arbitraries derived from the SV2 data types, so every message definition gets
// random values within its fields' bounds.
import fc from 'fast-check';
import type { Codec } from '../../agent/sv2/binary.js';
import type { MessageDef } from '../../agent/sv2/messages/define.js';

export function arbitraryFor(c: Codec<unknown>): fc.Arbitrary<unknown> {
  switch (c.kind) {
    case 'bool':
      return fc.boolean();
    case 'u8':
      return fc.integer({ min: 0, max: 0xff });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'u24':
      return fc.integer({ min: 0, max: 0xffffff });
    case 'u32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'u64':
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    case 'f32':
      // Values exactly representable in binary32 round-trip bit for bit.
      return fc.float({ noNaN: true }).map((x) => Math.fround(x));
    case 'u256':
    case 'fixed':
      return fc.uint8Array({ minLength: c.max!, maxLength: c.max! });
    case 'bytes':
      // Cap sizes so property runs stay fast; bounds themselves are tested separately.
      return fc.uint8Array({ maxLength: Math.min(c.max!, 300) });
    case 'str':
      return fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => Buffer.byteLength(s, 'utf8') <= 255 && !/[\ud800-\udfff]/.test(s));
    case 'seq':
      return fc.array(arbitraryFor(c.item!), { maxLength: Math.min(c.max!, 12) });
    case 'option':
      return fc.option(arbitraryFor(c.item!), { nil: null });
  }
}

export function arbitraryFields(def: MessageDef): fc.Arbitrary<Record<string, unknown>> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, codec] of def.fields) rec[name] = arbitraryFor(codec);
  return fc.record(rec);
}
