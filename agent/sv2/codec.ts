// Message ⇄ payload ⇄ frame. Definitions drive a small interpreter; field paths are
// precomputed so the hot messages (shares, jobs) decode without building strings.
import { Reader, Writer, allocBytes } from './binary.js';
import { Sv2Error } from './errors.js';
import { HEADER_SIZE, writeHeader, type Frame } from './framing.js';
import { TLV_HEADER_SIZE, type Tlv } from './messages/extensions.js';
import { lookupMessage, type AnyMessageDef, type MessageKey } from './messages/index.js';
import type { FieldList, FieldsOf, MessageDef } from './messages/define.js';
import { compile, type Compiled } from './compile.js';

/** A decoded message: `key` discriminates, `fields` carries the spec's field names. */
export type Message = {
  [D in AnyMessageDef as D['key']]: { key: D['key']; def: D; fields: FieldsOf<D['fields']>; tlvs?: Tlv[] };
}[MessageKey];

/** A frame the library has no definition for: kept whole so a proxy can forward it unchanged. */
export interface RawMessage {
  key: null;
  frame: Frame;
}

// Adaptive initial buffer size per definition, so steady-state encoding never regrows.
const sizeHints = new WeakMap<MessageDef, number>();
// Generated fast paths (compile.ts), built on first use and kept on the definition itself
// (a property read is cheaper than a WeakMap lookup on every message); null = interpreter.
const COMPILED = Symbol('compiled');
function fast(def: MessageDef): Compiled | null {
  const d = def as MessageDef & { [COMPILED]?: Compiled | null };
  let c = d[COMPILED];
  if (c === undefined) {
    c = compile(def);
    Object.defineProperty(d, COMPILED, { value: c, enumerable: false });
  }
  return c;
}

function tlvSize(tlvs: readonly Tlv[] | undefined): number {
  let n = 0;
  if (tlvs) for (const t of tlvs) n += TLV_HEADER_SIZE + t.value.length;
  return n;
}

function writeTlvs(w: Writer, def: MessageDef, tlvs: readonly Tlv[]): void {
  for (const t of tlvs) {
    if (t.value.length > 0xffff) throw new Sv2Error('length-out-of-bounds', `${def.name}.tlv: value of ${t.value.length} bytes`, `${def.name}.tlv`);
    w.u16(t.type_ext);
    w.u8(t.field_type);
    w.u16(t.value.length);
    w.bytes(t.value);
  }
}

/** Encodes with the generated code: one exact-size allocation, `prefix` spare bytes in front. */
function encodeFast(c: Compiled, def: MessageDef, fields: Record<string, unknown>, tlvs: readonly Tlv[] | undefined, prefix: number): Uint8Array {
  const n = c.size(fields);
  const out = allocBytes(prefix + n + tlvSize(tlvs));
  c.write(fields, out, prefix);
  if (tlvs && tlvs.length) {
    const w = new Writer(0, out);
    w.pos = prefix + n;
    writeTlvs(w, def, tlvs);
  }
  return out;
}

function writeFields(w: Writer, def: MessageDef, fields: Record<string, unknown>, tlvs?: readonly Tlv[]): void {
  const f = def.fields;
  const p = def.paths;
  for (let i = 0; i < f.length; i++) {
    const [name, codec] = f[i]!;
    codec.write(w, fields[name] as never, p[i]!);
  }
  if (tlvs) writeTlvs(w, def, tlvs);
}

/** The payload bytes of a message. */
export function encodePayload<D extends MessageDef>(def: D, fields: FieldsOf<D['fields']>, tlvs?: readonly Tlv[]): Uint8Array {
  const c = fast(def);
  if (c) return encodeFast(c, def, fields as Record<string, unknown>, tlvs, 0);
  const w = new Writer(sizeHints.get(def) ?? 64);
  writeFields(w, def, fields as Record<string, unknown>, tlvs);
  sizeHints.set(def, w.buf.length);
  return w.finish();
}

/** A whole plain frame (header ‖ payload) in one buffer. */
export function encodeMessage<D extends MessageDef>(def: D, fields: FieldsOf<D['fields']>, tlvs?: readonly Tlv[]): Uint8Array {
  const c = fast(def);
  let out: Uint8Array;
  if (c) out = encodeFast(c, def, fields as Record<string, unknown>, tlvs, HEADER_SIZE);
  else {
    const w = new Writer(sizeHints.get(def) ?? 64);
    w.reserve(HEADER_SIZE);
    writeFields(w, def, fields as Record<string, unknown>, tlvs);
    sizeHints.set(def, w.buf.length);
    out = w.finish();
  }
  writeHeader(out, 0, def, out.length - HEADER_SIZE);
  return out;
}

/** A message as a Frame (for the encrypted path, which encrypts header and payload apart). */
export function messageFrame<D extends MessageDef>(def: D, fields: FieldsOf<D['fields']>, tlvs?: readonly Tlv[]): Frame {
  return { extensionType: def.extensionType, channelMsg: def.channelMsg, msgType: def.msgType, payload: encodePayload(def, fields, tlvs) };
}

/**
 * Decodes a payload as `def`. Bytes after the last core field must form TLV fields (any message
 * may carry extension TLVs once negotiated); anything else is a typed error.
 */
export function decodePayload<F extends FieldList>(def: MessageDef<string, F>, payload: Uint8Array): { fields: FieldsOf<F>; tlvs?: Tlv[] } {
  const c = fast(def);
  if (c) {
    const fields = c.read(payload, 0, payload.length);
    if (c.readEnd === payload.length) return { fields: fields as FieldsOf<F> };
    const r = new Reader(payload, c.readEnd);
    return { fields: fields as FieldsOf<F>, tlvs: readTlvs(r, def.name) };
  }
  const r = new Reader(payload);
  const out: Record<string, unknown> = {};
  const f = def.fields;
  const p = def.paths;
  for (let i = 0; i < f.length; i++) out[f[i]![0]] = f[i]![1].read(r, p[i]!);
  if (r.remaining === 0) return { fields: out as FieldsOf<F> };
  return { fields: out as FieldsOf<F>, tlvs: readTlvs(r, def.name) };
}

function readTlvs(r: Reader, name: string): Tlv[] {
  const tlvs: Tlv[] = [];
  while (r.remaining > 0) {
    const field = `${name}.tlv[${tlvs.length}]`;
    if (r.remaining < TLV_HEADER_SIZE) {
      throw new Sv2Error('trailing-bytes', `${name}: ${r.remaining} trailing byte(s) after the last field are not a TLV field`, field, r.pos);
    }
    const type_ext = r.u16(field);
    const field_type = r.u8(field);
    const len = r.u16(field);
    tlvs.push({ type_ext, field_type, value: r.bytes(len, `${field}.value`) });
  }
  return tlvs;
}

/** Decodes a frame into a typed message, or returns it raw when its type is unknown. */
export function decodeFrame(frame: Frame): Message | RawMessage {
  const def = lookupMessage(frame.extensionType, frame.msgType);
  if (!def) return { key: null, frame };
  if (def.channelMsg !== frame.channelMsg) {
    throw new Sv2Error(
      'channel-bit-mismatch',
      `${def.name}: channel_msg bit is ${frame.channelMsg ? 'set' : 'clear'} but the message is ${def.channelMsg ? '' : 'not '}a channel message`,
      `${def.name}.header.extension_type`,
    );
  }
  const c = fast(def);
  if (c) {
    const fields = c.read(frame.payload, 0, frame.payload.length);
    if (c.readEnd === frame.payload.length) return { key: def.key, def, fields } as Message;
  }
  const { fields, tlvs } = decodePayload(def, frame.payload);
  return (tlvs ? { key: def.key, def, fields, tlvs } : { key: def.key, def, fields }) as Message;
}
