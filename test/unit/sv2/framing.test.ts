import { describe, expect, it } from 'vitest';
import { FrameDecoder, encodeFrame, parseHeader, type Frame } from '../../../agent/sv2/framing.js';
import { Sv2Error } from '../../../agent/sv2/errors.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('frame header', () => {
  // stratum-mining/stratum sv2/framing-sv2/src/header.rs unit test: 01 02 03 04 05 06
  it('parses the reference header bytes', () => {
    const h = parseHeader(hex('010203040506'));
    expect(h.extensionType).toBe(0x0201);
    expect(h.channelMsg).toBe(false);
    expect(h.msgType).toBe(0x03);
    expect(h.length).toBe(0x060504);
  });
  // stratum-mining/stratum sv2/parsers-sv2/src/lib.rs new_mining_job_serialization: 00 80 15 31 00 00
  it('puts channel_msg in bit 15 of the little-endian extension_type', () => {
    const h = parseHeader(hex('008015310000'));
    expect(h).toEqual({ extensionType: 0, channelMsg: true, msgType: 0x15, length: 49 });
    const f = encodeFrame({ extensionType: 0, channelMsg: true, msgType: 0x15, payload: new Uint8Array(49) });
    expect(Buffer.from(f.subarray(0, 6)).toString('hex')).toBe('008015310000');
  });
  // framing-sv2 framing.rs size-hint test: [0,128,30,46,0,0] declares 46 payload bytes
  it('reads the declared payload length', () => {
    expect(parseHeader(hex('00801e2e0000')).length).toBe(46);
  });
});

function frames(n: number): { bytes: Uint8Array; list: Frame[] } {
  const list: Frame[] = [];
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const payload = Uint8Array.from({ length: (i * 37) % 300 }, (_, j) => (i + j) & 0xff);
    const f: Frame = { extensionType: i % 3, channelMsg: i % 2 === 1, msgType: i & 0xff, payload };
    list.push(f);
    parts.push(encodeFrame(f));
  }
  return { bytes: Buffer.concat(parts), list };
}

describe('FrameDecoder', () => {
  it('accepts the stream one byte at a time', () => {
    const { bytes, list } = frames(40);
    const d = new FrameDecoder();
    const got: Frame[] = [];
    for (const b of bytes) got.push(...d.push(Uint8Array.of(b)));
    expect(got.map((f) => ({ ...f, payload: Buffer.from(f.payload) }))).toEqual(list.map((f) => ({ ...f, payload: Buffer.from(f.payload) })));
    expect(d.buffered).toBe(0);
  });
  it('accepts many frames per chunk and any split point', () => {
    const { bytes, list } = frames(25);
    for (let split = 0; split <= bytes.length; split += 7) {
      const d = new FrameDecoder();
      const got = [...d.push(bytes.subarray(0, split)), ...d.push(bytes.subarray(split))];
      expect(got.length).toBe(list.length);
      expect(got.map((f) => f.msgType)).toEqual(list.map((f) => f.msgType));
      expect(Buffer.from(got[24]!.payload)).toEqual(Buffer.from(list[24]!.payload));
    }
  });
  it('refuses an oversized declared length before buffering the payload', () => {
    const d = new FrameDecoder({ maxPayload: 1024 });
    const hdr = hex('000015ffffff'); // declares 16 MiB
    expect(() => d.push(hdr.subarray(0, 3))).not.toThrow();
    let err: unknown;
    try {
      d.push(hdr.subarray(3));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Sv2Error);
    expect((err as Sv2Error).code).toBe('frame-too-large');
    expect(d.buffered).toBeLessThanOrEqual(6);
    // The stream is unusable after that: every later push fails too.
    expect(() => d.push(new Uint8Array(1))).toThrow(Sv2Error);
  });
});
