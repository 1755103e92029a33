// Extension 0x0001 (Extensions Negotiation) messages and the TLV fields of extension 0x0002
// (worker-specific hashrate tracking). TLV type and length are little-endian, as SRI puts them
// on the wire (the spec's examples show big-endian; real peers follow SRI).
import { SEQ0_64K, U16 } from '../binary.js';
import { Sv2Error } from '../errors.js';
import { define } from './define.js';

export const EXTENSIONS_NEGOTIATION = 0x0001;
export const WORKER_HASHRATE_TRACKING = 0x0002;

export const RequestExtensions = define('RequestExtensions', 'extensions-negotiation', EXTENSIONS_NEGOTIATION, 0x00, false, [
  ['request_id', U16],
  ['requested_extensions', SEQ0_64K(U16)],
]);
export const RequestExtensionsSuccess = define('RequestExtensions.Success', 'extensions-negotiation', EXTENSIONS_NEGOTIATION, 0x01, false, [
  ['request_id', U16],
  ['supported_extensions', SEQ0_64K(U16)],
]);
export const RequestExtensionsError = define('RequestExtensions.Error', 'extensions-negotiation', EXTENSIONS_NEGOTIATION, 0x02, false, [
  ['request_id', U16],
  ['unsupported_extensions', SEQ0_64K(U16)],
  ['required_extensions', SEQ0_64K(U16)],
]);

/** One TLV field appended after a message's core fields. */
export interface Tlv {
  /** The extension that defines the field. */
  type_ext: number;
  field_type: number;
  value: Uint8Array;
}

export const TLV_HEADER_SIZE = 5;
/** Extension 0x0002, field 0x01: the worker's identity, UTF-8, at most 32 bytes. */
export const USER_IDENTITY_FIELD = 0x01;
export const USER_IDENTITY_MAX = 32;

export function userIdentityTlv(identity: string): Tlv {
  const value = new TextEncoder().encode(identity);
  if (value.length > USER_IDENTITY_MAX) {
    throw new Sv2Error('length-out-of-bounds', `user_identity TLV: ${value.length} bytes exceed ${USER_IDENTITY_MAX}`, 'tlv.user_identity');
  }
  return { type_ext: WORKER_HASHRATE_TRACKING, field_type: USER_IDENTITY_FIELD, value };
}

/** The user identity carried by a TLV list, if any (invalid UTF-8 is a typed error). */
export function findUserIdentity(tlvs: readonly Tlv[]): string | null {
  const t = tlvs.find((x) => x.type_ext === WORKER_HASHRATE_TRACKING && x.field_type === USER_IDENTITY_FIELD);
  if (!t) return null;
  if (t.value.length > USER_IDENTITY_MAX) {
    throw new Sv2Error('length-out-of-bounds', `user_identity TLV: ${t.value.length} bytes exceed ${USER_IDENTITY_MAX}`, 'tlv.user_identity');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(t.value);
  } catch {
    throw new Sv2Error('invalid-value', 'user_identity TLV: not valid UTF-8', 'tlv.user_identity');
  }
}
