// Noise CipherState: a key and a 64-bit nonce counter. Nonce 2^64−1 is reserved by Noise and
// never used; an authentication failure does not advance the counter (the caller ends the session).
import { Sv2Error } from '../errors.js';
import { defaultAead, MAC_SIZE, type Aead } from './aead.js';

const EMPTY = new Uint8Array(0);

export class CipherState {
  // The counter as two u32 halves: exact to 2^64 without bigint on the per-frame path.
  private lo = 0;
  private hi = 0;
  private readonly nonce = new Uint8Array(12);
  private readonly nonceView = new DataView(this.nonce.buffer);

  constructor(
    private readonly key: Uint8Array,
    private readonly aead: Aead = defaultAead,
  ) {
    if (key.length !== 32) throw new Sv2Error('handshake', `cipher key must be 32 bytes, got ${key.length}`);
  }

  /** The next nonce as a bigint (for tests and diagnostics). */
  get n(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Test hook: jump the counter (e.g. to 2^64−2 to check exhaustion). */
  setNonce(n: bigint): void {
    this.lo = Number(n & 0xffffffffn);
    this.hi = Number((n >> 32n) & 0xffffffffn);
  }

  private prepareNonce(): void {
    if (this.lo === 0xffffffff && this.hi === 0xffffffff) {
      throw new Sv2Error('nonce-exhausted', 'cipher nonce space exhausted (2^64−1 is reserved); reconnect to rekey');
    }
    this.nonceView.setUint32(4, this.lo, true);
    this.nonceView.setUint32(8, this.hi, true);
  }

  private advance(): void {
    if (this.lo === 0xffffffff) {
      this.lo = 0;
      this.hi++;
    } else this.lo++;
  }

  encryptWithAd(ad: Uint8Array | null, plaintext: Uint8Array): Uint8Array {
    this.prepareNonce();
    const out = this.aead.seal(this.key, this.nonce, ad ?? EMPTY, plaintext);
    this.advance();
    return out;
  }

  /** Like encryptWithAd, writing ciphertext ‖ tag into out[off…] instead of allocating. */
  encryptInto(ad: Uint8Array | null, plaintext: Uint8Array, out: Uint8Array, off: number): void {
    this.prepareNonce();
    this.aead.sealInto(this.key, this.nonce, ad ?? EMPTY, plaintext, out, off);
    this.advance();
  }

  decryptWithAd(ad: Uint8Array | null, sealed: Uint8Array): Uint8Array {
    if (sealed.length < MAC_SIZE) throw new Sv2Error('auth-failed', `ciphertext of ${sealed.length} bytes is shorter than its MAC`);
    this.prepareNonce();
    const pt = this.aead.open(this.key, this.nonce, ad ?? EMPTY, sealed);
    if (pt === null) throw new Sv2Error('auth-failed', 'message authentication failed (MAC mismatch)');
    this.advance();
    return pt;
  }
}
