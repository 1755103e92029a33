// The two sides of the NX handshake (spec 04 §4.5): act 1 is the initiator's 64-byte ephemeral
// key; act 2 is the responder's 234 bytes: ephemeral (64) ‖ encrypted static (80) ‖ encrypted
// certificate (90). There is no third act. Pure: bytes in, bytes out, no sockets or timers.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Sv2Error } from '../errors.js';
import type { Aead } from './aead.js';
import { CERTIFICATE_SIZE, decodeCertificate, encodeCertificate, signCertificate, verifyCertificate, type Certificate } from './certificate.js';
import { bip324Ecdh, ellswiftCreate, ellswiftDecode, xOnlyPublicKey } from './ellswift.js';
import { SymmetricState } from './symmetric-state.js';
import { NoiseSession, type NoiseSessionOptions } from '../encrypted-framing.js';

export const ACT1_SIZE = 64;
export const ACT2_SIZE = 64 + 80 + CERTIFICATE_SIZE + 16;
/** Clock leeway applied to both ends of the certificate's validity window (SRI uses 10 s). */
export const DEFAULT_LEEWAY_SECONDS = 10;

/**
 * A certificate's valid_from lies this far in the past: sv2-tp's and SRI's verifiers have no
 * clock leeway, so a client one second behind would refuse a certificate starting "now"
 * (sv2-tp backdates its own by one hour too).
 */
export const CERT_BACKDATE_SECONDS = 3600;

const nowSeconds = () => Math.floor(Date.now() / 1000);
const EMPTY = new Uint8Array(0);

export interface InitiatorOptions extends NoiseSessionOptions {
  /** x-only authority public key (32 bytes) the server's certificate must be signed with. */
  authorityKey?: Uint8Array | null;
  /** Accept any server without checking its certificate. Must be set explicitly. */
  insecure?: boolean;
  leewaySeconds?: number;
  now?: () => number;
  aead?: Aead;
  /** Ephemeral secret (tests only). */
  ephemeralSecret?: Uint8Array;
  /** 32 bytes of EllSwift encoding randomness instead of fresh ones (tests only: reproducible acts). */
  encodingRandomness?: Uint8Array;
}

/** Ends a handshake object for good: its first failure is remembered and every later call refused. */
class Once {
  private failure: Sv2Error | null = null;
  run<T>(fn: () => T): T {
    if (this.failure) throw new Sv2Error('session-closed', `handshake ended after: ${this.failure.message}`);
    try {
      return fn();
    } catch (e) {
      this.failure = e instanceof Sv2Error ? e : new Sv2Error('handshake', String(e));
      throw this.failure;
    }
  }
}

export class NoiseInitiator {
  private readonly ss: SymmetricState;
  private readonly e: Uint8Array;
  private readonly guard = new Once();
  private ellE: Uint8Array | null = null;
  private done = false;
  /** The server's certificate, after act 2. */
  certificate: Certificate | null = null;
  /** The server's x-only static key, after act 2. */
  remoteStaticX: Uint8Array | null = null;

  constructor(private readonly opts: InitiatorOptions = {}) {
    if (!opts.authorityKey && !opts.insecure) {
      throw new Sv2Error('certificate', 'no authority public key configured: refusing to connect to an unauthenticated server (set insecure to override)');
    }
    if (opts.authorityKey && opts.authorityKey.length !== 32) throw new Sv2Error('key', 'authority key must be a 32-byte x-only key');
    this.ss = new SymmetricState(opts.aead);
    this.e = opts.ephemeralSecret ?? secp256k1.utils.randomSecretKey();
  }

  /** Act 1: `-> e`, 64 bytes. */
  act1(): Uint8Array {
    return this.guard.run(() => {
      if (this.ellE) throw new Sv2Error('handshake', 'act 1 was already produced');
      this.ellE = ellswiftCreate(this.e, this.opts.encodingRandomness);
      this.ss.mixHash(this.ellE);
      this.ss.encryptAndHash(EMPTY);
      return this.ellE;
    });
  }

  /**
   * Act 2: `<- e, ee, s, es, SIGNATURE_NOISE_MESSAGE`; verifies the certificate; returns the
   * session. Any failure (Sv2Error 'handshake', 'auth-failed', 'certificate') ends the
   * handshake: later calls throw 'session-closed'.
   */
  act2(msg: Uint8Array): NoiseSession {
    return this.guard.run(() => this.processAct2(msg));
  }

  private processAct2(msg: Uint8Array): NoiseSession {
    if (!this.ellE || this.done) throw new Sv2Error('handshake', 'act 2 received out of order');
    this.done = true;
    if (msg.length !== ACT2_SIZE) throw new Sv2Error('handshake', `act 2 must be ${ACT2_SIZE} bytes, got ${msg.length}`);
    const ellRe = msg.subarray(0, 64);
    this.ss.mixHash(ellRe);
    this.ss.mixKey(bip324Ecdh(this.e, this.ellE, ellRe, true));
    const ellRs = this.ss.decryptAndHash(msg.subarray(64, 144));
    this.ss.mixKey(bip324Ecdh(this.e, this.ellE, ellRs, true));
    const cert = decodeCertificate(this.ss.decryptAndHash(msg.subarray(144, ACT2_SIZE)));
    const staticX = ellswiftDecode(ellRs);
    if (this.opts.authorityKey) {
      verifyCertificate(cert, staticX, this.opts.authorityKey, (this.opts.now ?? nowSeconds)(), this.opts.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS);
    }
    this.certificate = cert;
    this.remoteStaticX = staticX;
    const [toResponder, toInitiator] = this.ss.split();
    return new NoiseSession(toResponder, toInitiator, this.opts);
  }
}

export interface ResponderOptions extends NoiseSessionOptions {
  /** The authority secret key that signs each connection's certificate. */
  authoritySecret: Uint8Array;
  /** Static secret; fresh per connection when absent (as SRI does). */
  staticSecret?: Uint8Array;
  /** Certificate lifetime from now (default 3600 s, the reference configs' value). */
  certValiditySeconds?: number;
  now?: () => number;
  aead?: Aead;
  /** Ephemeral secret (tests only). */
  ephemeralSecret?: Uint8Array;
  /** 32 bytes of EllSwift encoding randomness instead of fresh ones (tests only). */
  encodingRandomness?: Uint8Array;
  /** BIP340 auxiliary randomness for the certificate's signature (tests only: a reproducible act 2). */
  signatureRandomness?: Uint8Array;
  /** How far before now the certificate starts (default CERT_BACKDATE_SECONDS: peers without clock leeway). */
  certBackdateSeconds?: number;
}

export class NoiseResponder {
  private readonly guard = new Once();
  private used = false;
  constructor(private readonly opts: ResponderOptions) {
    if (opts.authoritySecret.length !== 32) throw new Sv2Error('key', 'authority secret must be 32 bytes');
  }

  /** Takes act 1, returns act 2 and the established session. */
  act2(act1: Uint8Array): { reply: Uint8Array; session: NoiseSession } {
    return this.guard.run(() => this.processAct1(act1));
  }

  private processAct1(act1: Uint8Array): { reply: Uint8Array; session: NoiseSession } {
    if (this.used) throw new Sv2Error('handshake', 'responder already used');
    this.used = true;
    if (act1.length !== ACT1_SIZE) throw new Sv2Error('handshake', `act 1 must be ${ACT1_SIZE} bytes, got ${act1.length}`);
    const ss = new SymmetricState(this.opts.aead);
    ss.mixHash(act1);
    ss.decryptAndHash(EMPTY);

    const e = this.opts.ephemeralSecret ?? secp256k1.utils.randomSecretKey();
    const s = this.opts.staticSecret ?? secp256k1.utils.randomSecretKey();
    const ellE = ellswiftCreate(e, this.opts.encodingRandomness);
    const ellS = ellswiftCreate(s, this.opts.encodingRandomness);
    const reply = new Uint8Array(ACT2_SIZE);
    reply.set(ellE, 0);
    ss.mixHash(ellE);
    ss.mixKey(bip324Ecdh(e, ellE, act1, false));
    reply.set(ss.encryptAndHash(ellS), 64);
    ss.mixKey(bip324Ecdh(s, ellS, act1, false));
    const now = (this.opts.now ?? nowSeconds)();
    const staticX = xOnlyPublicKey(s);
    const cert = signCertificate(this.opts.authoritySecret, staticX, Math.max(0, now - (this.opts.certBackdateSeconds ?? CERT_BACKDATE_SECONDS)), now + (this.opts.certValiditySeconds ?? 3600), 0, this.opts.signatureRandomness);
    reply.set(ss.encryptAndHash(encodeCertificate(cert)), 144);
    const [toResponder, toInitiator] = ss.split();
    return { reply, session: new NoiseSession(toInitiator, toResponder, this.opts) };
  }
}
