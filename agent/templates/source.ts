// One interface for every template source (embedded chain, bitcoind RPC, an SV2 Template
// Provider): it speaks Template Distribution messages, so a TDP client or server is a thin layer.
import type { EventEmitter } from 'node:events';
import type { MessageFields } from '../sv2/messages/index.js';

export type Template = MessageFields<'NewTemplate'>;
export type TemplatePrevHash = MessageFields<'SetNewPrevHash.TemplateDistribution'>;
export type Solution = MessageFields<'SubmitSolution'>;

export type SolutionResult =
  | { accepted: true; height: number; hash: string }
  | { accepted: false; reason: string }
  /** Handed on to a Template Provider, which never answers SubmitSolution. */
  | { accepted: 'submitted' };

export interface TemplateSourceEvents {
  /** A new template; future_template = true ones wait for a prevhash naming them. */
  template: [Template];
  /** A new chain tip: mine on the template it names. */
  prevhash: [TemplatePrevHash];
}

export interface TemplateSource extends EventEmitter<TemplateSourceEvents> {
  /** The best template on the current tip and that tip, once known. */
  current(): { template: Template; prevhash: TemplatePrevHash } | null;
  submitSolution(solution: Solution): Promise<SolutionResult>;
  /**
   * The transactions (serialised with their witnesses) a template of the current tip was built
   * with, for RequestTransactionData; null when the source no longer has (or never had) them.
   */
  transactions(templateId: bigint): Uint8Array[] | null;
  start(): Promise<void>;
  stop(): void;
}
