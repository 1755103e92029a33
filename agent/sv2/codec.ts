// Message ⇄ payload ⇄ frame. Definitions drive a small interpreter; field paths are
// precomputed so the hot messages (shares, jobs) decode without building strings.
import { Reader, Writer } from './binary.js';
import { Sv2Error } from './errors.js';
import { HEADER_SIZE, writeHeader, type Frame } from './framing.js';
import { TLV_HEADER_SIZE, type Tlv } from './messages/extensions.js';
import { lookupMessage, type AnyMessageDef, type MessageKey } from './messages/index.js';
import type { FieldList, FieldsOf, MessageDef } from './messages/define.js';

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

function writeFields(w: Writer, def: MessageDef, fields: Record<string, unknown>, tlvs?: readonly Tlv[]): void {
  const f = def.fields;
  const p = def.paths;
  for (let i = 0; i < f.length; i++) {
    const [name, codec] = f[i]!;
    codec.write(w, fields[name] as never, p[i]!);
  }
  if (tlvs) {
    for (const t of tlvs) {
      if (t.value.length > 0xffff) throw new Sv2Error('length-out-of-bounds', `${def.name}.tlv: value of ${t.value.length} bytes`, `${def.name}.tlv`);
      w.u16(t.type_ext);
      w.u8(t.field_type);
      w.u16(t.value.length);
      w.bytes(t.value);
    }
  }
}

/** The payload bytes of a message. */
export function encodePayload<D extends MessageDef>(def: D, fields: FieldsOf<D['fields']>, tlvs?: readonly Tlv[]): Uint8Array {
  const w = new Writer(sizeHints.get(def) ?? 64);
  writeFields(w, def, fields as Record<string, unknown>, tlvs);
  sizeHints.set(def, w.buf.length);
  return w.finish();
}

/** A whole plain frame (header ‖ payload) in one buffer. */
export function encodeMessage<D extends MessageDef>(def: D, fields: FieldsOf<D['fields']>, tlvs?: readonly Tlv[]): Uint8Array {
  const w = new Writer(sizeHints.get(def) ?? 64);
  w.reserve(HEADER_SIZE);
  writeFields(w, def, fields as Record<string, unknown>, tlvs);
  sizeHints.set(def, w.buf.length);
  const out = w.finish();
  writeHeader(out, 0, { extensionType: def.extensionType, channelMsg: def.channelMsg, msgType: def.msgType, length: out.length - HEADER_SIZE });
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
    tlvs.push({ type_ext, field_type, value: new Uint8Array(r.bytes(len, `${field}.value`)) });
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
  const { fields, tlvs } = decodePayload(def, frame.payload);
  return (tlvs ? { key: def.key, def, fields, tlvs } : { key: def.key, def, fields }) as Message;
}
