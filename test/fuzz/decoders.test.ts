// Fuzz: random and mutated frames through the streaming decoder and every message decoder.
// The only thing allowed to be thrown is an Sv2Error; buffering stays bounded.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { messageDefs, type MessageDef } from '../../agent/sv2/messages/index.js';
import { decodeFrame, decodePayload, encodeMessage } from '../../agent/sv2/codec.js';
import { FrameDecoder, HEADER_SIZE } from '../../agent/sv2/framing.js';
import { Sv2Error } from '../../agent/sv2/errors.js';
import { arbitraryFields } from '../support/arbitraries.js';

/** Deterministic PRNG (mulberry32) so a failure reproduces from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const defs = messageDefs as readonly MessageDef[];

function validFrames(count: number, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const def of defs) {
    for (const fields of fc.sample(arbitraryFields(def), { numRuns: Math.ceil(count / defs.length), seed })) out.push(encodeMessage(def, fields as never));
  }
  return out;
}

function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const b = new Uint8Array(src);
  switch (Math.floor(rnd() * 6)) {
    case 0: // flip 1–4 bits
      for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) b[Math.floor(rnd() * b.length)]! ^= 1 << Math.floor(rnd() * 8);
      return b;
    case 1: // truncate the payload but keep the declared length consistent
      return fixLength(b.subarray(0, HEADER_SIZE + Math.floor(rnd() * Math.max(1, b.length - HEADER_SIZE))));
    case 2: // append random bytes
      return fixLength(Uint8Array.from([...b, ...Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256))]));
    case 3: // corrupt a length-looking byte inside the payload
      if (b.length > HEADER_SIZE) b[HEADER_SIZE + Math.floor(rnd() * (b.length - HEADER_SIZE))] = 0xff;
      return b;
    case 4: // toggle the channel_msg bit
      b[1]! ^= 0x80;
      return b;
    default: // random header on random payload
      return fixLength(Uint8Array.from({ length: HEADER_SIZE + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
  }
}

function fixLength(b: Uint8Array): Uint8Array {
  const n = b.length - HEADER_SIZE;
  b[3] = n & 0xff;
  b[4] = (n >> 8) & 0xff;
  b[5] = n >> 16;
  return b;
}

describe('fuzz', () => {
  it('100,000 random and mutated frames: only typed errors, bounded buffering', () => {
    const rnd = prng(0x5eed);
    const seeds = validFrames(2_000, 42);
    let decoded = 0;
    let typedErrors = 0;
    const check = (fn: () => unknown) => {
      try {
        fn();
        decoded++;
      } catch (e) {
        if (!(e instanceof Sv2Error)) throw e;
        typedErrors++;
      }
    };
    const maxPayload = 4096;
    let decoder = new FrameDecoder({ maxPayload });
    const heapBefore = process.memoryUsage().heapUsed;
    const total = 100_000;
    for (let i = 0; i < total; i++) {
      const frame = mutate(seeds[Math.floor(rnd() * seeds.length)]!, rnd);
      // 1) every message decoder on the raw payload, whatever the header says
      const def = defs[Math.floor(rnd() * defs.length)]!;
      check(() => decodePayload(def, frame.subarray(HEADER_SIZE)));
      // 2) the streaming decoder with random chunking, then the frame → message decoder
      let off = 0;
      while (off < frame.length) {
        const n = 1 + Math.floor(rnd() * (frame.length - off));
        const chunk = frame.subarray(off, off + n);
        off += n;
        try {
          for (const f of decoder.push(chunk)) check(() => decodeFrame(f));
        } catch (e) {
          if (!(e instanceof Sv2Error)) throw e;
          typedErrors++;
          decoder = new FrameDecoder({ maxPayload }); // a failed stream is dropped, like a connection
          break;
        }
        expect(decoder.buffered).toBeLessThanOrEqual(maxPayload + HEADER_SIZE);
      }
    }
    const grown = process.memoryUsage().heapUsed - heapBefore;
    expect(decoded + typedErrors).toBeGreaterThanOrEqual(total); // at least one decoder verdict per frame
    expect(typedErrors).toBeGreaterThan(1000); // the mutations really do break frames
    expect(decoded).toBeGreaterThan(1000); // and many still decode
    expect(grown).toBeLessThan(200 * 1024 * 1024);
  });

  it('a 16 MiB declared length is refused from the header alone', () => {
    const d = new FrameDecoder({ maxPayload: 1 << 16 });
    expect(() => d.push(Uint8Array.from([0, 0, 0x71, 0xff, 0xff, 0xff]))).toThrow(Sv2Error);
    expect(d.buffered).toBe(0);
  });
});
