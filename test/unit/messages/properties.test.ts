// Property tests: every message definition round-trips random field values byte for byte.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { messageDefs, type MessageDef, SubmitSharesStandard, SubmitSharesExtended, OpenExtendedMiningChannel, NewExtendedMiningJob } from '../../../agent/sv2/messages/index.js';
import { decodeFrame, encodeMessage, encodePayload } from '../../../agent/sv2/codec.js';
import { parseHeader, HEADER_SIZE } from '../../../agent/sv2/framing.js';
import { Sv2Error } from '../../../agent/sv2/errors.js';
import { B0_32, B0_255, SEQ0_255, STR0_255, U16, U24, U32, U64, U8, OPTION, Writer, Reader, BOOL, U256 } from '../../../agent/sv2/binary.js';
import { arbitraryFields } from '../../support/arbitraries.js';

describe('every message round-trips', () => {
  for (const def of messageDefs as readonly MessageDef[]) {
    it(`${def.name} (ext 0x${def.extensionType.toString(16)}, type 0x${def.msgType.toString(16)})`, () => {
      fc.assert(
        fc.property(arbitraryFields(def), (fields) => {
          const frame = encodeMessage(def, fields as never);
          const h = parseHeader(frame);
          expect(h.length + HEADER_SIZE).toBe(frame.length);
          expect(h.channelMsg).toBe(def.channelMsg);
          expect(h.msgType).toBe(def.msgType);
          expect(h.extensionType).toBe(def.extensionType);
          const m = decodeFrame({ ...h, payload: frame.subarray(HEADER_SIZE) });
          expect(m.key).toBe(def.key);
          if (m.key !== null) {
            expect(m.fields).toEqual(fields);
            // And the payload encoding is canonical: re-encoding gives the same bytes.
            expect(Buffer.from(encodePayload(def, m.fields as never))).toEqual(Buffer.from(frame.subarray(HEADER_SIZE)));
          }
        }),
        { numRuns: 150 },
      );
    });
  }
});

function encodeError(fn: (w: Writer) => void): Sv2Error {
  try {
    fn(new Writer());
  } catch (e) {
    if (e instanceof Sv2Error) return e;
    throw e;
  }
  throw new Error('expected an Sv2Error');
}

describe('data types refuse what they cannot carry', () => {
  it('integers out of range', () => {
    expect(encodeError((w) => U8.write(w, 256, 'f')).code).toBe('invalid-value');
    expect(encodeError((w) => U16.write(w, -1, 'f')).code).toBe('invalid-value');
    expect(encodeError((w) => U24.write(w, 2 ** 24, 'f')).code).toBe('invalid-value');
    expect(encodeError((w) => U32.write(w, 1.5, 'f')).code).toBe('invalid-value');
    expect(encodeError((w) => U64.write(w, 1n << 64n, 'f')).code).toBe('invalid-value');
  });
  it('over-long byte arrays, strings and sequences', () => {
    expect(encodeError((w) => B0_32.write(w, new Uint8Array(33), 'x')).code).toBe('length-out-of-bounds');
    expect(encodeError((w) => B0_255.write(w, new Uint8Array(256), 'x')).code).toBe('length-out-of-bounds');
    expect(encodeError((w) => STR0_255.write(w, 'é'.repeat(128), 'x')).code).toBe('length-out-of-bounds');
    expect(encodeError((w) => SEQ0_255(U8).write(w, new Array(256).fill(0), 'x')).code).toBe('length-out-of-bounds');
    expect(encodeError((w) => U256.write(w, new Uint8Array(31), 'x')).code).toBe('length-out-of-bounds');
  });
  it('decoding: lengths beyond the data, bad option tags, bad UTF-8, and BOOL reads only bit 0', () => {
    const dec = (c: { read(r: Reader, f: string): unknown }, b: number[]) => c.read(new Reader(Uint8Array.from(b)), 'field');
    expect(() => dec(B0_32, [33, ...new Array(33).fill(0)])).toThrow(/exceeds 32/);
    expect(() => dec(B0_255, [10, 1, 2])).toThrow(/need 10 byte/);
    expect(() => dec(OPTION(U32), [2, 0, 0, 0, 0])).toThrow(/OPTION tag/);
    expect(() => dec(STR0_255, [2, 0xc3, 0x28])).toThrow(/UTF-8/);
    expect(dec(BOOL, [0xfe])).toBe(false);
    expect(dec(BOOL, [0x03])).toBe(true);
  });
  it('F32 is IEEE-754 binary32 little-endian (sv2-protocol digest §1: 10.0 → 00 00 20 41)', () => {
    const w = new Writer();
    w.f32(10);
    expect(Buffer.from(w.finish()).toString('hex')).toBe('00002041');
  });
});

describe('generated encoders refuse what they cannot carry', () => {
  const share = { channel_id: 1, sequence_number: 2, job_id: 3, nonce: 4, ntime: 5, version: 6 };
  it.each([-1, 2 ** 32, 1.5, NaN, '5', null])('SubmitSharesStandard.nonce = %s', (nonce) => {
    expect(() => encodeMessage(SubmitSharesStandard, { ...share, nonce } as never)).toThrow(Sv2Error);
  });
  it('U16, bytes and sequence bounds on compiled layouts', () => {
    const open = { request_id: 1, user_identity: 'u', nominal_hash_rate: 1, max_target: new Uint8Array(32), min_extranonce_size: 65_536 };
    expect(() => encodeMessage(OpenExtendedMiningChannel, open)).toThrow(/min_extranonce_size/);
    const ext = { ...share, extranonce: new Uint8Array(33) };
    expect(() => encodeMessage(SubmitSharesExtended, ext)).toThrow(/B0_32/);
    const job = { channel_id: 1, job_id: 1, min_ntime: null, version: 1, version_rolling_allowed: true, merkle_path: [new Uint8Array(31)], coinbase_tx_prefix: new Uint8Array(0), coinbase_tx_suffix: new Uint8Array(0) };
    expect(() => encodeMessage(NewExtendedMiningJob, job)).toThrow(/32 bytes/);
  });
});
