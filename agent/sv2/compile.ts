// Specialised encoders/decoders generated from message definitions. The generic interpreter in
// codec.ts is clear but pays a call, a closure and a bounds check per field; share and job
// messages are decoded millions of times, so each layout made only of fixed-size integers, byte
// arrays, OPTION[U32] and SEQ of fixed-size items gets straight-line code instead. Strings and
// nested variable-size sequences keep the interpreter (they are not on a hot path).
import { Sv2Error } from './errors.js';
import type { Codec } from './binary.js';
import type { MessageDef } from './messages/define.js';

export interface Compiled {
  /** Payload size of `m`, validating every field (throws Sv2Error). */
  size(m: Record<string, unknown>): number;
  /** Writes the (already validated) payload at `o`; returns the end offset. */
  write(m: Record<string, unknown>, b: Uint8Array, o: number): number;
  /** Reads the core fields from b[o, end); returns them and leaves the offset after them in `readEnd`. */
  read(b: Uint8Array, o: number, end: number): Record<string, unknown>;
  /** Where the last read() stopped. */
  readEnd: number;
}

function lenWidth(c: Codec<unknown>): 1 | 2 | 3 {
  return c.name === 'B0_64K' ? 2 : c.name === 'B0_16M' ? 3 : 1;
}

function supported(c: Codec<unknown>): boolean {
  switch (c.kind) {
    case 'bool':
    case 'u8':
    case 'u16':
    case 'u24':
    case 'u32':
    case 'u64':
    case 'f32':
    case 'u256':
    case 'fixed':
      return true;
    case 'bytes':
      return c.name !== 'BYTES';
    case 'option':
      return c.item!.kind === 'u32';
    case 'seq':
      return c.item!.kind === 'u256' || c.item!.kind === 'fixed' || c.item!.kind === 'u16' || c.item!.kind === 'u32';
    default:
      return false;
  }
}

// Scratch for F32 ⇄ bytes without a DataView (creating one on a small array is slow in V8).
// Little-endian hosts only, which is every platform Node supports for this project.
const F32_SCRATCH = new Float32Array(1);
const F32_BYTES = new Uint8Array(F32_SCRATCH.buffer);

const INT_MAX: Record<string, number> = { u8: 0xff, u16: 0xffff, u24: 0xffffff, u32: 0xffffffff };
const INT_SIZE: Record<string, number> = { bool: 1, u8: 1, u16: 2, u24: 3, u32: 4, u64: 8, f32: 4 };

/** Straight-line code for one integer write of `kind` from expression `v` at `o`. */
function writeInt(kind: string, v: string): string {
  switch (kind) {
    case 'bool':
      return `b[o++] = ${v} ? 1 : 0;`;
    case 'u8':
      return `b[o++] = ${v};`;
    case 'u16':
      return `b[o] = ${v} & 255; b[o + 1] = ${v} >>> 8; o += 2;`;
    case 'u24':
      return `b[o] = ${v} & 255; b[o + 1] = (${v} >>> 8) & 255; b[o + 2] = ${v} >>> 16; o += 3;`;
    case 'u32':
      return `b[o] = ${v} & 255; b[o + 1] = (${v} >>> 8) & 255; b[o + 2] = (${v} >>> 16) & 255; b[o + 3] = ${v} >>> 24; o += 4;`;
    case 'u64':
      return `{ const lo = Number(${v} & 0xffffffffn), hi = Number(${v} >> 32n); ${writeInt('u32', 'lo')} ${writeInt('u32', 'hi')} }`;
    case 'f32':
      return `f32[0] = ${v}; b[o] = f32b[0]; b[o + 1] = f32b[1]; b[o + 2] = f32b[2]; b[o + 3] = f32b[3]; o += 4;`;
  }
  throw new Error(kind);
}

/** Code that reads an integer of `kind` at `o` into `target` (bounds already checked). */
function readInt(kind: string, target: string): string {
  switch (kind) {
    case 'bool':
      return `${target} = (b[o++] & 1) === 1;`;
    case 'u8':
      return `${target} = b[o++];`;
    case 'u16':
      return `${target} = b[o] | (b[o + 1] << 8); o += 2;`;
    case 'u24':
      return `${target} = b[o] | (b[o + 1] << 8) | (b[o + 2] << 16); o += 3;`;
    case 'u32':
      return `${target} = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0; o += 4;`;
    case 'u64':
      return `${target} = BigInt((b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0) | (BigInt((b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)) >>> 0) << 32n); o += 8;`;
    case 'f32':
      return `f32b[0] = b[o]; f32b[1] = b[o + 1]; f32b[2] = b[o + 2]; f32b[3] = b[o + 3]; ${target} = f32[0]; o += 4;`;
  }
  throw new Error(kind);
}

function checkInt(kind: string, v: string, p: number): string {
  // One integer test per kind: x >>> 0 (or x & max) equals x only for integers in range (not for
  // strings, NaN, fractions or negatives), and is far cheaper than typeof + range + modulo.
  if (kind === 'u32') return `if ((${v} >>> 0) !== ${v}) bad(${p}, 'invalid-value', 'not a valid U32: ' + ${v});`;
  if (kind in INT_MAX) return `if ((${v} & ${INT_MAX[kind]}) !== ${v}) bad(${p}, 'invalid-value', 'not a valid ${kind.toUpperCase()}: ' + ${v});`;
  if (kind === 'u64') return `if (typeof ${v} !== 'bigint' || ${v} < 0n || ${v} > 18446744073709551615n) bad(${p}, 'invalid-value', 'not a valid U64: ' + ${v});`;
  if (kind === 'f32') return `if (typeof ${v} !== 'number') bad(${p}, 'invalid-value', 'not a number');`;
  return '';
}

/** Generated code per definition, or null when the layout needs the interpreter. */
export function compile(def: MessageDef): Compiled | null {
  if (!def.fields.every(([, c]) => supported(c))) return null;
  const size: string[] = [];
  const write: string[] = [];
  const read: string[] = [];
  let fixed = 0;
  def.fields.forEach(([name, c], p) => {
    const v = `m[${JSON.stringify(name)}]`;
    const t = `f${p}`;
    const need = (n: string) => `if (end - o < ${n}) short(${p}, o, ${n});`;
    if (c.kind in INT_SIZE) {
      fixed += INT_SIZE[c.kind]!;
      size.push(`v = ${v}; ${checkInt(c.kind, 'v', p)}`);
      write.push(`v = ${v}; ${writeInt(c.kind, 'v')}`);
      read.push(`${need(String(INT_SIZE[c.kind]))} ${readInt(c.kind, `let ${t}`)}`);
    } else if (c.kind === 'u256' || c.kind === 'fixed') {
      fixed += c.max!;
      size.push(`v = ${v}; if (!(v instanceof Uint8Array) || v.length !== ${c.max}) bad(${p}, 'length-out-of-bounds', 'must be ${c.max} bytes');`);
      write.push(`b.set(${v}, o); o += ${c.max};`);
      read.push(`${need(String(c.max))} let ${t} = new Uint8Array(B, bo + o, ${c.max}); o += ${c.max};`);
    } else if (c.kind === 'bytes') {
      const w = lenWidth(c);
      fixed += w;
      size.push(
        `v = ${v}; if (!(v instanceof Uint8Array)) bad(${p}, 'invalid-value', 'must be bytes'); if (v.length > ${c.max}) bad(${p}, 'length-out-of-bounds', v.length + ' bytes exceed ${c.name}'); n += v.length;`,
      );
      write.push(`v = ${v}; ${writeInt(w === 1 ? 'u8' : w === 2 ? 'u16' : 'u24', 'v.length')} b.set(v, o); o += v.length;`);
      read.push(
        `${need(String(w))} let l${p}; ${readInt(w === 1 ? 'u8' : w === 2 ? 'u16' : 'u24', `l${p}`)} if (l${p} > ${c.max}) long(${p}, o - ${w}, l${p}, ${c.max}); ${need(`l${p}`)} let ${t} = new Uint8Array(B, bo + o, l${p}); o += l${p};`,
      );
    } else if (c.kind === 'option') {
      fixed += 1;
      size.push(`v = ${v}; if (v !== null && v !== undefined) { ${checkInt('u32', 'v', p)} n += 4; }`);
      write.push(`v = ${v}; if (v === null || v === undefined) b[o++] = 0; else { b[o++] = 1; ${writeInt('u32', 'v')} }`);
      read.push(
        `${need('1')} let ${t} = null; { const tag = b[o++]; if (tag === 1) { ${need('4')} ${readInt('u32', t)} } else if (tag !== 0) badTag(${p}, o - 1, tag); }`,
      );
    } else {
      // SEQ0_255 / SEQ0_64K of fixed-size items
      const item = c.item!;
      const w = c.max === 255 ? 1 : 2;
      const isz = item.kind === 'u16' ? 2 : item.kind === 'u32' ? 4 : item.max!;
      fixed += w;
      const itemCheck =
        item.kind === 'u16' || item.kind === 'u32'
          ? checkInt(item.kind, 'x', p)
          : `if (x === null || typeof x !== 'object' || x.length !== ${isz}) bad(${p}, 'length-out-of-bounds', 'items must be ${isz} bytes');`;
      const itemWrite = item.kind === 'u16' || item.kind === 'u32' ? writeInt(item.kind, 'x') : `b.set(x, o); o += ${isz};`;
      const itemRead = item.kind === 'u16' || item.kind === 'u32' ? `let x; ${readInt(item.kind, 'x')} ${t}[i] = x;` : `${t}[i] = new Uint8Array(B, bo + o, ${isz}); o += ${isz};`;
      size.push(
        `v = ${v}; if (!Array.isArray(v)) bad(${p}, 'invalid-value', 'must be an array'); if (v.length > ${c.max}) bad(${p}, 'length-out-of-bounds', v.length + ' items exceed ${c.name.split('[')[0]}'); for (let i = 0; i < v.length; i++) { const x = v[i]; ${itemCheck} } n += v.length * ${isz};`,
      );
      write.push(`v = ${v}; ${writeInt(w === 1 ? 'u8' : 'u16', 'v.length')} for (let i = 0; i < v.length; i++) { const x = v[i]; ${itemWrite} }`);
      read.push(
        `${need(String(w))} let c${p}; ${readInt(w === 1 ? 'u8' : 'u16', `c${p}`)} ${need(`c${p} * ${isz}`)} const ${t} = new Array(c${p}); for (let i = 0; i < c${p}; i++) { ${itemRead} }`,
      );
    }
  });
  // Byte fields become views made straight from the payload's ArrayBuffer (cheaper than subarray()).
  const hasViews = def.fields.some(([, c]) => c.kind === 'u256' || c.kind === 'fixed' || c.kind === 'bytes' || (c.kind === 'seq' && c.item!.kind !== 'u16' && c.item!.kind !== 'u32'));
  const obj = def.fields.map(([name], p) => `${JSON.stringify(name)}: f${p}`).join(', ');
  const src = `
    const size = (m) => { let n = ${fixed}; let v; ${size.join('\n')} return n; };
    const write = (m, b, o) => { let v; ${write.join('\n')} return o; };
    const self = { size, write, read: null, readEnd: 0 };
    self.read = (b, o, end) => { ${hasViews ? 'const B = b.buffer, bo = b.byteOffset;' : ''} ${read.join('\n')} self.readEnd = o; return { ${obj} }; };
    return self;`;
  const paths = def.paths;
  const bad = (p: number, code: 'invalid-value' | 'length-out-of-bounds', msg: string): never => {
    throw new Sv2Error(code, `${paths[p]}: ${msg}`, paths[p]);
  };
  const short = (p: number, at: number, n: number): never => {
    throw new Sv2Error('truncated', `${paths[p]}: need ${n} byte(s) at offset ${at}`, paths[p], at);
  };
  const long = (p: number, at: number, n: number, max: number): never => {
    throw new Sv2Error('length-out-of-bounds', `${paths[p]}: length ${n} exceeds ${max}`, paths[p], at);
  };
  const badTag = (p: number, at: number, tag: number): never => {
    throw new Sv2Error('invalid-value', `${paths[p]}: OPTION tag must be 0 or 1, got ${tag}`, paths[p], at);
  };
  return new Function('bad', 'short', 'long', 'badTag', 'f32', 'f32b', src)(bad, short, long, badTag, F32_SCRATCH, F32_BYTES) as Compiled;
}
