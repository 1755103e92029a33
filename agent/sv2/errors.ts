// Typed errors of the SV2 library. Every failure on untrusted input is one of these:
// callers switch on `code`, people read `message` (it names what was wrong and where).

export type Sv2ErrorCode =
  | 'truncated' // fewer bytes than a field or frame needs
  | 'length-out-of-bounds' // a length prefix or value exceeds its type's bound
  | 'invalid-value' // a value outside its domain (bool, option tag, utf-8, enum)
  | 'trailing-bytes' // bytes left after the last field where none are allowed
  | 'frame-too-large' // declared payload length above the configured maximum
  | 'unknown-message' // no decoder for (extension, msg_type) — only where one is required
  | 'channel-bit-mismatch' // channel_msg bit disagrees with the message definition
  | 'auth-failed' // AEAD tag did not verify
  | 'handshake' // malformed or out-of-order handshake
  | 'certificate' // certificate invalid, expired, not yet valid or wrongly signed
  | 'key' // malformed key encoding
  | 'url' // malformed pool URL (scheme, host, port)
  | 'nonce-exhausted' // a cipher state ran out of nonces
  | 'session-closed'; // use of a session after a failure ended it

export class Sv2Error extends Error {
  override readonly name = 'Sv2Error';
  constructor(
    readonly code: Sv2ErrorCode,
    message: string,
    /** field path where decoding failed, e.g. `NewExtendedMiningJob.merkle_path[3]` */
    readonly field?: string,
    /** byte offset in the payload (or stream) where the failure was detected */
    readonly offset?: number,
  ) {
    super(message);
  }
}

export function isSv2Error(e: unknown): e is Sv2Error {
  return e instanceof Sv2Error;
}
