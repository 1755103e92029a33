// SV2 binary data types (spec §3.1, binary_sv2): little-endian integers, length-prefixed
// byte arrays and sequences, OPTION as SEQ0_1. Each type is a `Codec<T>` value so message
// layouts are plain data (see messages/) and tests can generate values per type.
import { Sv2Error } from './errors.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

// Small outputs are carved from shared 64 KiB slabs (as Node's Buffer pool does): a typed array
// of ≤ 64 bytes created on its own lives on V8's heap, and the first subarray() or DataView on it
// copies it out (about a microsecond), which would dominate encoding a share; and one slab
// allocation costs far less than one ArrayBuffer per message.
const SLAB_SIZE = 65536;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

/** A zeroed byte array, pooled when small. Never hand such arrays to code that transfers them. */
export function allocBytes(n: number): Uint8Array {
  if (n > SLAB_SIZE >>> 3) return new Uint8Array(n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  slabUsed += (n + 7) & ~7; // keep 8-byte alignment
  return out;
}

/** Cursor over one payload. Every read is bounds-checked and names its field on failure. */
export class Reader {
  pos: number;
  readonly end: number;
  private readonly dv: DataView;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  need(n: number, field: string): number {
    const p = this.pos;
    if (n > this.end - p) {
      throw new Sv2Error('truncated', `${field}: need ${n} byte(s) at offset ${p}, ${this.end - p} left`, field, p);
    }
    this.pos = p + n;
    return p;
  }
  u8(field: string): number {
    return this.buf[this.need(1, field)]!;
  }
  u16(field: string): number {
    return this.dv.getUint16(this.need(2, field), true);
  }
  u24(field: string): number {
    const p = this.need(3, field);
    return this.buf[p]! | (this.buf[p + 1]! << 8) | (this.buf[p + 2]! << 16);
  }
  u32(field: string): number {
    return this.dv.getUint32(this.need(4, field), true);
  }
  u64(field: string): bigint {
    return this.dv.getBigUint64(this.need(8, field), true);
  }
  f32(field: string): number {
    return this.dv.getFloat32(this.need(4, field), true);
  }
  /** A view (no copy) of the next n bytes. */
  bytes(n: number, field: string): Uint8Array {
    const p = this.need(n, field);
    return this.buf.subarray(p, p + n);
  }
  /** A length prefix of `width` bytes checked against `max` and against what is left. */
  len(width: 1 | 2 | 3, max: number, field: string): number {
    const at = this.pos;
    const n = width === 1 ? this.u8(field) : width === 2 ? this.u16(field) : this.u24(field);
    if (n > max) throw new Sv2Error('length-out-of-bounds', `${field}: length ${n} exceeds ${max}`, field, at);
    return n;
  }
  end_(field: string): void {
    if (this.pos !== this.end) {
      throw new Sv2Error('trailing-bytes', `${field}: ${this.end - this.pos} unexpected trailing byte(s)`, field, this.pos);
    }
  }
}

/** Growable output buffer; `finish()` returns a view of what was written. */
export class Writer {
  buf: Uint8Array;
  pos = 0;
  private dv: DataView;
  /** A new buffer of `capacity`, or writing into `into` (which must be large enough or will be regrown). */
  constructor(capacity = 64, into?: Uint8Array) {
    this.buf = into ?? new Uint8Array(Math.max(capacity, 8));
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
  reserve(n: number): number {
    const p = this.pos;
    if (p + n > this.buf.length) {
      let cap = Math.max(8, this.buf.length * 2);
      while (cap < p + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, p));
      this.buf = next;
      this.dv = new DataView(next.buffer);
    }
    this.pos = p + n;
    return p;
  }
  u8(v: number): void {
    const p = this.reserve(1); // reserve first: it may replace this.buf
    this.buf[p] = v;
  }
  u16(v: number): void {
    const p = this.reserve(2);
    this.dv.setUint16(p, v, true);
  }
  u24(v: number): void {
    const p = this.reserve(3);
    this.buf[p] = v & 0xff;
    this.buf[p + 1] = (v >>> 8) & 0xff;
    this.buf[p + 2] = (v >>> 16) & 0xff;
  }
  u32(v: number): void {
    const p = this.reserve(4);
    this.dv.setUint32(p, v, true);
  }
  u64(v: bigint): void {
    const p = this.reserve(8);
    this.dv.setBigUint64(p, v, true);
  }
  f32(v: number): void {
    const p = this.reserve(4);
    this.dv.setFloat32(p, v, true);
  }
  bytes(b: Uint8Array): void {
    const p = this.reserve(b.length);
    this.buf.set(b, p);
  }
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Kinds let generic tools (sv2 decode JSON, property tests) treat types uniformly. */
export type Kind =
  | 'bool' | 'u8' | 'u16' | 'u24' | 'u32' | 'u64' | 'f32' | 'u256' | 'str' | 'bytes' | 'fixed' | 'seq' | 'option';

export interface Codec<T> {
  readonly kind: Kind;
  /** Spec name, e.g. `SEQ0_255[U256]`. */
  readonly name: string;
  /** Upper bound: byte length for str/bytes/fixed, element count for seq. */
  readonly max?: number;
  /** Element codec for seq/option. */
  readonly item?: Codec<unknown>;
  read(r: Reader, field: string): T;
  /** Throws Sv2Error('length-out-of-bounds' | 'invalid-value') for values that cannot be encoded. */
  write(w: Writer, v: T, field: string): void;
}

function checkInt(v: number, max: number, field: string, name: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new Sv2Error('invalid-value', `${field}: ${String(v)} is not a valid ${name}`, field);
  }
}

export const BOOL: Codec<boolean> = {
  kind: 'bool',
  name: 'BOOL',
  // binary_sv2 reads only the least significant bit.
  read: (r, f) => (r.u8(f) & 1) === 1,
  write: (w, v) => w.u8(v ? 1 : 0),
};
export const U8: Codec<number> = {
  kind: 'u8', name: 'U8',
  read: (r, f) => r.u8(f),
  write: (w, v, f) => (checkInt(v, 0xff, f, 'U8'), w.u8(v)),
};
export const U16: Codec<number> = {
  kind: 'u16', name: 'U16',
  read: (r, f) => r.u16(f),
  write: (w, v, f) => (checkInt(v, 0xffff, f, 'U16'), w.u16(v)),
};
export const U24: Codec<number> = {
  kind: 'u24', name: 'U24',
  read: (r, f) => r.u24(f),
  write: (w, v, f) => (checkInt(v, 0xffffff, f, 'U24'), w.u24(v)),
};
export const U32: Codec<number> = {
  kind: 'u32', name: 'U32',
  read: (r, f) => r.u32(f),
  write: (w, v, f) => (checkInt(v, 0xffffffff, f, 'U32'), w.u32(v)),
};
const U64_MAX = (1n << 64n) - 1n;
export const U64: Codec<bigint> = {
  kind: 'u64', name: 'U64',
  read: (r, f) => r.u64(f),
  write: (w, v, f) => {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new Sv2Error('invalid-value', `${f}: ${String(v)} is not a valid U64`, f);
    w.u64(v);
  },
};
/** IEEE-754 binary32, little-endian (not in the spec's table; used by nominal_hash_rate). */
export const F32: Codec<number> = {
  kind: 'f32', name: 'F32',
  read: (r, f) => r.f32(f),
  write: (w, v, f) => {
    if (typeof v !== 'number') throw new Sv2Error('invalid-value', `${f}: not a number`, f);
    w.f32(v);
  },
};

/** Fixed-size raw bytes (U256, PUBKEY, SIGNATURE). Decoded byte values are views into the
 * payload (no copy, as SRI borrows): copy them before mutating or reusing the payload buffer. */
export function fixed(name: string, size: number): Codec<Uint8Array> {
  return {
    kind: size === 32 && name === 'U256' ? 'u256' : 'fixed',
    name,
    max: size,
    read: (r, f) => r.bytes(size, f),
    write: (w, v, f) => {
      if (!(v instanceof Uint8Array) || v.length !== size) {
        throw new Sv2Error('length-out-of-bounds', `${f}: ${name} must be ${size} bytes, got ${v?.length}`, f);
      }
      w.bytes(v);
    },
  };
}
export const U256 = fixed('U256', 32);
export const PUBKEY = fixed('PUBKEY', 32);
export const SIGNATURE = fixed('SIGNATURE', 64);

/** Length-prefixed byte array with a prefix of `width` bytes and at most `max` bytes. */
export function byteArray(name: string, width: 1 | 2 | 3, max: number): Codec<Uint8Array> {
  return {
    kind: 'bytes',
    name,
    max,
    read: (r, f) => r.bytes(r.len(width, max, f), f),
    write: (w, v, f) => {
      if (!(v instanceof Uint8Array)) throw new Sv2Error('invalid-value', `${f}: ${name} must be bytes`, f);
      if (v.length > max) throw new Sv2Error('length-out-of-bounds', `${f}: ${v.length} bytes exceed ${name}`, f);
      if (width === 1) w.u8(v.length);
      else if (width === 2) w.u16(v.length);
      else w.u24(v.length);
      w.bytes(v);
    },
  };
}
export const B0_32 = byteArray('B0_32', 1, 32);
export const B0_255 = byteArray('B0_255', 1, 255);
export const B0_64K = byteArray('B0_64K', 2, 0xffff);
export const B0_16M = byteArray('B0_16M', 3, 0xffffff);

/** STR0_255: u8 length + UTF-8 bytes. Invalid UTF-8 is a typed error. */
export const STR0_255: Codec<string> = {
  kind: 'str',
  name: 'STR0_255',
  max: 255,
  read: (r, f) => {
    const at = r.pos;
    const b = r.bytes(r.len(1, 255, f), f);
    try {
      return utf8Decoder.decode(b);
    } catch {
      throw new Sv2Error('invalid-value', `${f}: not valid UTF-8`, f, at);
    }
  },
  write: (w, v, f) => {
    if (typeof v !== 'string') throw new Sv2Error('invalid-value', `${f}: STR0_255 must be a string`, f);
    const b = utf8Encoder.encode(v);
    if (b.length > 255) throw new Sv2Error('length-out-of-bounds', `${f}: ${b.length} bytes exceed STR0_255`, f);
    w.u8(b.length);
    w.bytes(b);
  },
};

/** Raw bytes to the end of the payload (BYTES: length implied by context). */
export const BYTES: Codec<Uint8Array> = {
  kind: 'bytes',
  name: 'BYTES',
  max: 0xffffff,
  read: (r, f) => r.bytes(r.remaining, f),
  write: (w, v, f) => {
    if (!(v instanceof Uint8Array)) throw new Sv2Error('invalid-value', `${f}: BYTES must be bytes`, f);
    w.bytes(v);
  },
};

function seq<T>(name: string, width: 1 | 2, max: number, item: Codec<T>): Codec<T[]> {
  return {
    kind: 'seq',
    name: `${name}[${item.name}]`,
    max,
    item: item as Codec<unknown>,
    read: (r, f) => {
      const n = r.len(width, max, f);
      // Grown by push, not preallocated: a count is only trusted as far as the bytes go.
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.read(r, `${f}[${i}]`));
      return out;
    },
    write: (w, v, f) => {
      if (!Array.isArray(v)) throw new Sv2Error('invalid-value', `${f}: ${name} must be an array`, f);
      if (v.length > max) throw new Sv2Error('length-out-of-bounds', `${f}: ${v.length} items exceed ${name}`, f);
      if (width === 1) w.u8(v.length);
      else w.u16(v.length);
      for (let i = 0; i < v.length; i++) item.write(w, v[i]!, `${f}[${i}]`);
    },
  };
}
export const SEQ0_255 = <T>(item: Codec<T>): Codec<T[]> => seq('SEQ0_255', 1, 255, item);
export const SEQ0_64K = <T>(item: Codec<T>): Codec<T[]> => seq('SEQ0_64K', 2, 0xffff, item);

/** OPTION[T] = SEQ0_1[T]: 0x00 absent, 0x01 present; any other tag is an error. */
export function OPTION<T>(item: Codec<T>): Codec<T | null> {
  return {
    kind: 'option',
    name: `OPTION[${item.name}]`,
    item: item as Codec<unknown>,
    read: (r, f) => {
      const at = r.pos;
      const tag = r.u8(f);
      if (tag === 0) return null;
      if (tag === 1) return item.read(r, f);
      throw new Sv2Error('invalid-value', `${f}: OPTION tag must be 0 or 1, got ${tag}`, f, at);
    },
    write: (w, v, f) => {
      if (v === null || v === undefined) w.u8(0);
      else {
        w.u8(1);
        item.write(w, v, f);
      }
    },
  };
}
