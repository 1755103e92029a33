// A message layout is data: spec name, where it lives (extension, type, channel bit) and its
// fields in wire order. The TypeScript type of a message is inferred from its definition.
import type { Codec } from '../binary.js';

export type FieldList = readonly (readonly [string, Codec<any>])[];

/** The value type of a message: spec field names → decoded values. */
export type FieldsOf<F extends FieldList> = { -readonly [E in F[number] as E[0]]: E[1] extends Codec<infer T> ? T : never };

export interface MessageDef<K extends string = string, F extends FieldList = FieldList> {
  /** Unique key within the library (equals `name` except where two protocols reuse a name). */
  readonly key: K;
  /** The spec's message name, e.g. `SetupConnection.Success`. */
  readonly name: string;
  readonly protocol: 'common' | 'mining' | 'template-distribution' | 'job-declaration' | 'extensions-negotiation';
  readonly extensionType: number;
  readonly msgType: number;
  readonly channelMsg: boolean;
  readonly fields: F;
  /** `${name}.${field}` for each field, precomputed so decoding allocates no strings. */
  readonly paths: readonly string[];
}

export function define<const K extends string, const F extends FieldList>(
  key: K,
  protocol: MessageDef['protocol'],
  extensionType: number,
  msgType: number,
  channelMsg: boolean,
  fields: F,
  name: string = key,
): MessageDef<K, F> {
  return { key, name, protocol, extensionType, msgType, channelMsg, fields, paths: fields.map(([f]) => `${name}.${f}`) };
}
