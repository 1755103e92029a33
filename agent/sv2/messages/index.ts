// Every message definition of the current spec, and the registry keyed by (extension, type).
import * as common from './common.js';
import * as mining from './mining.js';
import * as templateDistribution from './template-distribution.js';
import * as jobDeclaration from './job-declaration.js';
import * as extensions from './extensions.js';
import type { FieldsOf, MessageDef } from './define.js';

export * from './define.js';
export * from './common.js';
export * from './mining.js';
export * from './template-distribution.js';
export * from './job-declaration.js';
export * from './extensions.js';

export const messageDefs = [
  common.SetupConnection,
  common.SetupConnectionSuccess,
  common.SetupConnectionError,
  common.ChannelEndpointChanged,
  common.Reconnect,
  mining.OpenStandardMiningChannel,
  mining.OpenStandardMiningChannelSuccess,
  mining.OpenMiningChannelError,
  mining.OpenExtendedMiningChannel,
  mining.OpenExtendedMiningChannelSuccess,
  mining.NewMiningJob,
  mining.UpdateChannel,
  mining.UpdateChannelError,
  mining.CloseChannel,
  mining.SetExtranoncePrefix,
  mining.SubmitSharesStandard,
  mining.SubmitSharesExtended,
  mining.SubmitSharesSuccess,
  mining.SubmitSharesError,
  mining.NewExtendedMiningJob,
  mining.SetNewPrevHash,
  mining.SetTarget,
  mining.SetCustomMiningJob,
  mining.SetCustomMiningJobSuccess,
  mining.SetCustomMiningJobError,
  mining.SetGroupChannel,
  templateDistribution.CoinbaseOutputConstraints,
  templateDistribution.NewTemplate,
  templateDistribution.SetNewPrevHashTemplate,
  templateDistribution.RequestTransactionData,
  templateDistribution.RequestTransactionDataSuccess,
  templateDistribution.RequestTransactionDataError,
  templateDistribution.SubmitSolution,
  jobDeclaration.AllocateMiningJobToken,
  jobDeclaration.AllocateMiningJobTokenSuccess,
  jobDeclaration.ProvideMissingTransactions,
  jobDeclaration.ProvideMissingTransactionsSuccess,
  jobDeclaration.DeclareMiningJob,
  jobDeclaration.DeclareMiningJobSuccess,
  jobDeclaration.DeclareMiningJobError,
  jobDeclaration.PushSolution,
  extensions.RequestExtensions,
  extensions.RequestExtensionsSuccess,
  extensions.RequestExtensionsError,
] as const;

export type AnyMessageDef = (typeof messageDefs)[number];
export type MessageKey = AnyMessageDef['key'];
/** The fields of the message with key K, e.g. `MessageFields<'SubmitSharesStandard'>`. */
export type MessageFields<K extends MessageKey> = FieldsOf<Extract<AnyMessageDef, { key: K }>['fields']>;

// Indexed by (extension << 8 | type) in a flat array for extensions 0 and 1 (every message the
// library defines): a lookup per frame is one array read.
const byId: (MessageDef | undefined)[] = new Array(512).fill(undefined);
for (const d of messageDefs as readonly MessageDef[]) {
  const id = (d.extensionType << 8) | d.msgType;
  if (byId[id]) throw new Error(`duplicate message id ext 0x${d.extensionType.toString(16)} type 0x${d.msgType.toString(16)}`);
  byId[id] = d;
}

/** The definition for (extension_type without the channel bit, msg_type), if the library knows it. */
export function lookupMessage(extensionType: number, msgType: number): MessageDef | undefined {
  const ext = extensionType & 0x7fff;
  return ext <= 1 ? byId[(ext << 8) | msgType] : undefined;
}
