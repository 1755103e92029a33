// Turns templates into pool jobs: the coinbase with the pool's payout and tag, split around the
// channel's extranonce.
import { buildCoinbaseParts } from '../bitcoin/index.js';
import type { Template } from '../templates/source.js';
import type { PoolJob } from './server-channel.js';

export interface JobFactoryOptions {
  payoutScript: Uint8Array;
  /** Goes into the coinbase scriptSig, e.g. "/hashagent/". */
  tag: string;
  /** Whole extranonce length (prefix given to channels + rollable bytes). */
  extranonceSize: number;
}

export function jobFromTemplate(t: Template, o: JobFactoryOptions): PoolJob {
  const { prefix, suffix } = buildCoinbaseParts({
    version: t.coinbase_tx_version,
    scriptSigPrefix: t.coinbase_prefix,
    tag: new TextEncoder().encode(o.tag),
    extranonceSize: o.extranonceSize,
    sequence: t.coinbase_tx_input_sequence,
    outputs: [{ value: t.coinbase_tx_value_remaining, script: o.payoutScript }],
    extraOutputs: { count: t.coinbase_tx_outputs_count, bytes: t.coinbase_tx_outputs },
    locktime: t.coinbase_tx_locktime,
  });
  return { templateId: t.template_id, future: t.future_template, version: t.version, coinbasePrefix: prefix, coinbaseSuffix: suffix, merklePath: t.merkle_path.map((p) => p.slice()) };
}
