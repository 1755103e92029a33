// The agent's internal job model: what an upstream (an SV2 extended channel, or the built-in SV1
// translator) hands to the work scheduler, and what the scheduler hands back as a share. Chain
// drivers and work generation see only this, so they cannot tell which protocol fed them.
import type { EventEmitter } from 'node:events';

export interface MiningJob {
  /** Upstream job id, echoed in shares (SV2 job_id; the SV1 translator maps its string ids). */
  readonly jobId: number;
  /** Header version before rolling. */
  readonly version: number;
  /** Version bits the miner may roll (0: none; SV2 extended: BIP320/323 mask when allowed). */
  readonly versionMask: number;
  /** Previous block hash, header (internal) byte order. */
  readonly prevHash: Uint8Array;
  readonly nbits: number;
  /** ntime to start from (≥ the upstream's min_ntime). */
  readonly ntime: number;
  /** Coinbase bytes before the rollable extranonce, the upstream's fixed prefix already included
   * (SV2: coinbase_tx_prefix ‖ extranonce_prefix; SV1: coinb1 ‖ extranonce1). */
  readonly coinbasePrefix: Uint8Array;
  readonly coinbaseSuffix: Uint8Array;
  /** Bytes of extranonce the miner rolls (SV2: extranonce_size; SV1: extranonce2_size). */
  readonly extranonceSize: number;
  /** Merkle path of the coinbase, deepest first, internal byte order. */
  readonly merklePath: readonly Uint8Array[];
  /** Share target, 32 bytes little-endian. */
  readonly target: Uint8Array;
  /** Standard (header-only) channels: the pool's merkle root; the coinbase fields are then empty and
   * extranonceSize 0, and work is told apart by version bits and ntime instead. */
  readonly merkleRoot?: Uint8Array;
  /** Replaces all earlier work at once (a new prevhash / SV1 clean_jobs). */
  readonly clean: boolean;
}

/** A solution found for a job: everything an upstream needs to submit it. */
export interface MiningShare {
  readonly job: MiningJob;
  /** The rollable extranonce bytes (length job.extranonceSize). */
  readonly extranonce: Uint8Array;
  readonly ntime: number;
  /** Full header version as hashed. */
  readonly version: number;
  readonly nonce: number;
}

export interface JobSourceEvents {
  /** New work; `job.clean` says whether everything before it is void. */
  job: [MiningJob];
  /** The share target changed for the current and later jobs. */
  target: [Uint8Array];
  /** Upstream result of submitted shares: `seq` names the one share it is for, `upTo`
   * the last share a batched acceptance covers (the numbers `submit` returned). */
  result: [ShareResult];
  /** The upstream became usable (`up`) or went away (then no job is valid until the next one). */
  state: ['up' | 'down', { url: string; protocol: 'sv2' | 'sv1' }];
}

export interface ShareResult {
  accepted: number;
  rejected: number;
  error?: string;
  seq?: number;
  upTo?: number;
}

/** One upstream the scheduler mines for: SV2 extended channel or the SV1 translator. */
export interface JobSource extends EventEmitter<JobSourceEvents> {
  /** Sends a share; returns the number its result will name, or null when it was not sent. */
  submit(share: MiningShare): number | null;
  start(): Promise<void>;
  stop(): void;
}
