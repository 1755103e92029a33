// Chip bring-up as data: the register writes and their order per chip generation, as the published
// captures and firmwares send them. The chain driver runs a profile's steps in order and holds no
// per-chip branches; adding a chip is adding a table here.
//
// Sources (each step list cites its own):
// - mujina `mujina-miner/src/asic/bm13xx/REFERENCE.md` @1a69ef40, "Initialization Sequence":
//   the S19j Pro (126 × BM1362) and S21 Pro (65 × BM1370) chain captures and the Bitaxe (BM1370) one.
// - bitaxeorg/ESP-Miner @5c277131 `components/asic/bm1366.c` `BM1366_init`, `bm1368.c` `BM1368_init`,
//   `bm1370.c` `BM1370_init`, `bm1397.c` `BM1397_init` / `BM1397_send_hash_frequency`.
// - braiins/braiins-os @3c1a16f9 `open/bosminer/bosminer-am1-s9/src/lib.rs`
//   `reset_and_enumerate_and_init` (PLL once, MiscCtrl, ticket, then `send_init_work`).

/** One register write: [register, value]. */
export type RegWrite = readonly [register: number, value: number];

/** A broadcast entry: a fixed write, or the chain's ticket mask (its value is the driver's choice). */
export type ConfigWrite = RegWrite | 'ticket';

export type BringUpStep =
  /** Broadcast writes, in order. */
  | { readonly kind: 'broadcast'; readonly writes: readonly ConfigWrite[] }
  /** Writes to the first chip only. */
  | { readonly kind: 'firstChip'; readonly writes: readonly RegWrite[] }
  /** Chain inactive ×3, one address per chip found, and a second discovery that names a break. */
  | { readonly kind: 'address' }
  /** The same writes to every chip in address order. */
  | { readonly kind: 'perChip'; readonly writes: readonly RegWrite[] }
  /** Voltage-domain boundaries of a multi-domain chain (skipped when the chain is one domain). */
  | { readonly kind: 'domains' }
  /** The UART divider, then the host follows. */
  | { readonly kind: 'baud' }
  /** The PLL: ramped or written once (the profile's `pll` policy). */
  | { readonly kind: 'pll' }
  /** HASH_COUNTING_NUMBER for the reached frequency (header chips). */
  | { readonly kind: 'hashCounting' }
  /** MIDSTATE_CONFIG (0xA4) once more: the last write before jobs (header chips). */
  | { readonly kind: 'versionMask' }
  /** Null jobs that open gated core blocks (BM1387 with GATE_BLOCK). */
  | { readonly kind: 'openCore'; readonly jobs: number };

export interface DomainSetup {
  /** Chips per voltage domain. */
  readonly size: number;
  /** Written to the last chip of every domain (IO_DRIVER_STRENGTH with the clock output at full drive). */
  readonly lastChip: readonly RegWrite[];
  /** Broadcast after those. */
  readonly broadcast: readonly RegWrite[];
  /** UART_RELAY to the first and last chip of each domain: (gap << 16) | bits, the gap growing by
   * one per chip of distance from the far end of the chain, starting at `farGap`. */
  readonly relay: { readonly register: number; readonly bits: number; readonly farGap: number };
}

export interface PllPolicy {
  /** Ramp from this frequency in 6.25 MHz steps (the first write is one step above it); null: write the target once. */
  readonly rampFromMHz: number | null;
  /** Written twice before every PLL write, and the PLL write itself sent twice (BM1397). */
  readonly preWrite?: RegWrite;
}

export interface BringUp {
  readonly steps: readonly BringUpStep[];
  readonly pll: PllPolicy;
  /** Multi-domain chains only. */
  readonly domains?: DomainSetup;
  /** CHIP_NONCE_OFFSET per chip: written after the first job on chains of more than one chip. */
  readonly offsetsAfterFirstJob?: boolean;
}

const broadcast = (...writes: ConfigWrite[]): BringUpStep => ({ kind: 'broadcast', writes });
const perChip = (...writes: RegWrite[]): BringUpStep => ({ kind: 'perChip', writes });
const ADDRESS: BringUpStep = { kind: 'address' };
const BAUD: BringUpStep = { kind: 'baud' };
const PLL: BringUpStep = { kind: 'pll' };
const HCN: BringUpStep = { kind: 'hashCounting' };
const VERSION_MASK: BringUpStep = { kind: 'versionMask' };
/** ESP-Miner's and the captures' ramp: 6.25 MHz steps, the first at 56.25 MHz. */
const RAMP: PllPolicy = { rampFromMHz: 50 };

/** Core clock words through CORE_MAILBOX (0x3C): all cores, write, register, value (mujina 0x3C). */
const core = (reg: number, value: number): RegWrite => [0x3c, (0x80008000 | (reg << 8) | value) >>> 0];
const CORE_ENABLE = core(0x02, 0xaa);

/**
 * BM1387 (S9), as bOSminer brings a chain up: enumerate, chain inactive ×3 and addresses, the target
 * PLL written once (its table starts at 100 MHz), MiscCtrl with the divider (INV_CLKO, GATE_BLOCK,
 * MMEN — the profile's baudValue), the ticket mask, then one open-core null job per core
 * (lib.rs:392-399, 436-439, 632-655; null_work.rs `prepare_opencore`).
 */
export const BM1387_BRINGUP: BringUp = {
  steps: [ADDRESS, PLL, BAUD, broadcast('ticket'), { kind: 'openCore', jobs: 114 }],
  pll: { rampFromMHz: null },
};

/** BM1397 (ESP-Miner bm1397.c:181-233): clock order, core register, ticket, PLL3, fast UART config;
 * every PLL change preceded by PLL0_DIVIDER 0x70 = 0x0F0F0F00 twice (:151-177). */
export const BM1397_BRINGUP: BringUp = {
  steps: [ADDRESS, broadcast([0x80, 0], [0x84, 0], [0x20, 1], [0x3c, 0x80008074], 'ticket', [0x68, 0xc0700111], [0x28, 0x0600000f]), PLL, BAUD],
  pll: { rampFromMHz: 50, preWrite: [0x70, 0x0f0f0f00] },
};

/** BM1362, the S19j Pro capture (mujina "Multi-Chip Initialization" and "BM1362 chain, after the baud
 * change"): 0xA8 = 0 and 0x18 = 0xB000C100 before addressing; clock select 0x40 and delay 0x08; no
 * UART_RELAY; the per-chip pass (0xA8 = 0x00000002 CORE_SRST_FAST) after the ramp. */
export const BM1362_BRINGUP: BringUp = {
  steps: [
    broadcast([0xa8, 0x00000000], [0x18, 0xb000c100]),
    ADDRESS,
    broadcast(core(0x05, 0x40), core(0x00, 0x08), 'ticket', [0x54, 0x00000003], [0x58, 0x00011111]),
    BAUD,
    PLL,
    perChip([0xa8, 0x00000002], [0x18, 0xb000c100], core(0x05, 0x40), core(0x00, 0x08), CORE_ENABLE),
    HCN,
    VERSION_MASK,
  ],
  pll: RAMP,
};

/** BM1366, ESP-Miner `BM1366_init` (the S19 XP dump it follows): 0xA8/0x18 before addressing,
 * clock select 0x40 and delay 0x20, UART_RELAY 0x007C0003 to the first chip, then the per-chip pass. */
export const BM1366_BRINGUP: BringUp = {
  steps: [
    broadcast([0xa8, 0x00070000], [0x18, 0xff0fc100]),
    ADDRESS,
    broadcast(core(0x05, 0x40), core(0x00, 0x20), 'ticket', [0x54, 0x00000003], [0x58, 0x02111111]),
    { kind: 'firstChip', writes: [[0x2c, 0x007c0003]] },
    perChip([0xa8, 0x000701f0], [0x18, 0xf000c100], core(0x05, 0x40), core(0x00, 0x20), CORE_ENABLE),
    PLL,
    HCN,
    BAUD,
    VERSION_MASK,
  ],
  pll: RAMP,
};

/** BM1368, ESP-Miner `BM1368_init`: clock select through core register 0x0B = 0x00, delay 0x18. */
export const BM1368_BRINGUP: BringUp = {
  steps: [
    broadcast([0xa8, 0x00070000], [0x18, 0xff0fc100]),
    ADDRESS,
    broadcast(core(0x0b, 0x00), core(0x00, 0x18), 'ticket', [0x54, 0x00000003], [0x58, 0x02111111]),
    perChip([0xa8, 0x000701f0], [0x18, 0xf000c100], core(0x0b, 0x00), core(0x00, 0x18), CORE_ENABLE),
    PLL,
    HCN,
    BAUD,
    VERSION_MASK,
  ],
  pll: RAMP,
};

/** BM1370, the S21 Pro capture (mujina "Multi-Chip Initialization", "BM1370 chain, after the baud
 * change"); a one-chip chain (Bitaxe, ESP-Miner `BM1370_init`) skips the domain step and the offsets. */
export const BM1370_BRINGUP: BringUp = {
  steps: [
    broadcast([0xa8, 0x00070000], [0x18, 0xf000c100]),
    ADDRESS,
    broadcast(core(0x0b, 0x00), core(0x00, 0x0c), 'ticket', [0x58, 0x00011111]),
    { kind: 'domains' },
    BAUD,
    perChip([0xa8, 0x000701f0], [0x18, 0xf000c100], core(0x0b, 0x00), core(0x00, 0x0c), CORE_ENABLE),
    broadcast([0xb9, 0x00004480], [0x54, 0x00000002], [0xb9, 0x00004480], core(0x0d, 0xee)),
    PLL,
    HCN,
    VERSION_MASK,
  ],
  pll: RAMP,
  // S21 Pro: 13 domains of 5 chips; 0x58 = 0x0001F111 to each domain's last chip, 0x68 = 0x5AA55AA5,
  // 0x2C gap 0x13 at the far end … 0x4F nearest the host (mujina "The Serial Chain" / BM1370).
  domains: { size: 5, lastChip: [[0x58, 0x0001f111]], broadcast: [[0x68, 0x5aa55aa5]], relay: { register: 0x2c, bits: 0x3, farGap: 0x13 } },
  offsetsAfterFirstJob: true,
};

/** The UART_RELAY writes of a chain of `chips` (chain positions and values), first and last chip of each domain. */
export function relayWrites(d: DomainSetup, chips: number): { chip: number; value: number }[] {
  const out: { chip: number; value: number }[] = [];
  for (let first = 0; first < chips; first += d.size) {
    const last = Math.min(chips, first + d.size) - 1;
    const value = (((d.relay.farGap + (chips - 1 - last)) << 16) | d.relay.bits) >>> 0;
    out.push({ chip: first, value });
    if (last !== first) out.push({ chip: last, value });
  }
  return out;
}
