// JSON view of decoded frames (used by `hashagent sv2 decode`): spec names, U64 above 2^53 as
// decimal strings, bytes and U256 as lowercase hex of their wire bytes, OPTION as null or value.
import { hex as scureHex } from '@scure/base';
import type { Codec } from './binary.js';
import type { Message, RawMessage } from './codec.js';

/** Lowercase hex of bytes (no Node Buffer: the library runs outside Node too). */
export function hex(b: Uint8Array): string {
  return scureHex.encode(b);
}

function valueToJson(codec: Codec<unknown>, v: unknown): unknown {
  switch (codec.kind) {
    case 'u64': {
      const n = v as bigint;
      return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
    }
    case 'u256':
    case 'fixed':
    case 'bytes':
      return hex(v as Uint8Array);
    case 'option':
      return v === null ? null : valueToJson(codec.item!, v);
    case 'seq':
      return (v as unknown[]).map((x) => valueToJson(codec.item!, x));
    default:
      return v;
  }
}

export interface FrameJson {
  extension_type: number;
  channel_msg: boolean;
  msg_type: number;
  name: string | null;
  fields: Record<string, unknown> | null;
  tlvs?: { type_ext: number; field_type: number; value: string }[];
  payload?: string;
}

export function messageToJson(m: Message | RawMessage): FrameJson {
  if (m.key === null) {
    const f = m.frame;
    return { extension_type: f.extensionType, channel_msg: f.channelMsg, msg_type: f.msgType, name: null, fields: null, payload: hex(f.payload) };
  }
  const fields: Record<string, unknown> = {};
  const values = m.fields as Record<string, unknown>;
  for (const [name, codec] of m.def.fields) fields[name] = valueToJson(codec, values[name]);
  const out: FrameJson = { extension_type: m.def.extensionType, channel_msg: m.def.channelMsg, msg_type: m.def.msgType, name: m.def.name, fields };
  if (m.tlvs) out.tlvs = m.tlvs.map((t) => ({ type_ext: t.type_ext, field_type: t.field_type, value: hex(t.value) }));
  return out;
}
