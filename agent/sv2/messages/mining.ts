// Mining protocol messages (extension 0, 0x10–0x25; spec 05-Mining-Protocol, 08-Message-Types).
import { B0_255, B0_32, B0_64K, BOOL, F32, OPTION, SEQ0_255, SEQ0_64K, STR0_255, U16, U256, U32, U64 } from '../binary.js';
import { define } from './define.js';

export const OpenStandardMiningChannel = define('OpenStandardMiningChannel', 'mining', 0, 0x10, false, [
  ['request_id', U32],
  ['user_identity', STR0_255],
  ['nominal_hash_rate', F32],
  ['max_target', U256],
]);
export const OpenStandardMiningChannelSuccess = define('OpenStandardMiningChannel.Success', 'mining', 0, 0x11, false, [
  ['request_id', U32],
  ['channel_id', U32],
  ['target', U256],
  ['extranonce_prefix', B0_32],
  ['group_channel_id', U32],
]);
export const OpenMiningChannelError = define('OpenMiningChannel.Error', 'mining', 0, 0x12, false, [
  ['request_id', U32],
  ['error_code', STR0_255],
]);
// The extended request is the standard one plus min_extranonce_size.
export const OpenExtendedMiningChannel = define('OpenExtendedMiningChannel', 'mining', 0, 0x13, false, [
  ...OpenStandardMiningChannel.fields,
  ['min_extranonce_size', U16],
]);
// Note the order: extranonce_size before extranonce_prefix.
export const OpenExtendedMiningChannelSuccess = define('OpenExtendedMiningChannel.Success', 'mining', 0, 0x14, false, [
  ['request_id', U32],
  ['channel_id', U32],
  ['target', U256],
  ['extranonce_size', U16],
  ['extranonce_prefix', B0_32],
  ['group_channel_id', U32],
]);
export const NewMiningJob = define('NewMiningJob', 'mining', 0, 0x15, true, [
  ['channel_id', U32],
  ['job_id', U32],
  ['min_ntime', OPTION(U32)],
  ['version', U32],
  ['merkle_root', U256],
]);
export const UpdateChannel = define('UpdateChannel', 'mining', 0, 0x16, true, [
  ['channel_id', U32],
  ['nominal_hash_rate', F32],
  ['maximum_target', U256],
]);
export const UpdateChannelError = define('UpdateChannel.Error', 'mining', 0, 0x17, true, [
  ['channel_id', U32],
  ['error_code', STR0_255],
]);
export const CloseChannel = define('CloseChannel', 'mining', 0, 0x18, true, [
  ['channel_id', U32],
  ['reason_code', STR0_255],
]);
export const SetExtranoncePrefix = define('SetExtranoncePrefix', 'mining', 0, 0x19, true, [
  ['channel_id', U32],
  ['extranonce_prefix', B0_32],
]);
export const SubmitSharesStandard = define('SubmitSharesStandard', 'mining', 0, 0x1a, true, [
  ['channel_id', U32],
  ['sequence_number', U32],
  ['job_id', U32],
  ['nonce', U32],
  ['ntime', U32],
  ['version', U32],
]);
// The extended share is the standard one plus the rolled extranonce.
export const SubmitSharesExtended = define('SubmitSharesExtended', 'mining', 0, 0x1b, true, [
  ...SubmitSharesStandard.fields,
  ['extranonce', B0_32],
]);
export const SubmitSharesSuccess = define('SubmitShares.Success', 'mining', 0, 0x1c, true, [
  ['channel_id', U32],
  ['last_sequence_number', U32],
  ['new_submits_accepted_count', U32],
  ['new_shares_sum', U64],
]);
export const SubmitSharesError = define('SubmitShares.Error', 'mining', 0, 0x1d, true, [
  ['channel_id', U32],
  ['sequence_number', U32],
  ['error_code', STR0_255],
]);
// 0x1e is reserved (old implementations used it for NewExtendedMiningJob).
export const NewExtendedMiningJob = define('NewExtendedMiningJob', 'mining', 0, 0x1f, true, [
  ['channel_id', U32],
  ['job_id', U32],
  ['min_ntime', OPTION(U32)],
  ['version', U32],
  ['version_rolling_allowed', BOOL],
  ['merkle_path', SEQ0_255(U256)],
  ['coinbase_tx_prefix', B0_64K],
  ['coinbase_tx_suffix', B0_64K],
]);
export const SetNewPrevHash = define('SetNewPrevHash', 'mining', 0, 0x20, true, [
  ['channel_id', U32],
  ['job_id', U32],
  ['prev_hash', U256],
  ['min_ntime', U32],
  ['nbits', U32],
]);
export const SetTarget = define('SetTarget', 'mining', 0, 0x21, true, [
  ['channel_id', U32],
  ['maximum_target', U256],
]);
export const SetCustomMiningJob = define('SetCustomMiningJob', 'mining', 0, 0x22, true, [
  ['channel_id', U32],
  ['request_id', U32],
  ['mining_job_token', B0_255],
  ['version', U32],
  ['prev_hash', U256],
  ['min_ntime', U32],
  ['nbits', U32],
  ['coinbase_tx_version', U32],
  ['coinbase_prefix', B0_255],
  ['coinbase_tx_input_nSequence', U32],
  ['coinbase_tx_outputs', B0_64K],
  ['coinbase_tx_locktime', U32],
  ['merkle_path', SEQ0_255(U256)],
]);
export const SetCustomMiningJobSuccess = define('SetCustomMiningJob.Success', 'mining', 0, 0x23, true, [
  ['channel_id', U32],
  ['request_id', U32],
  ['job_id', U32],
]);
export const SetCustomMiningJobError = define('SetCustomMiningJob.Error', 'mining', 0, 0x24, true, [
  ['channel_id', U32],
  ['request_id', U32],
  ['error_code', STR0_255],
]);
export const SetGroupChannel = define('SetGroupChannel', 'mining', 0, 0x25, false, [
  ['group_channel_id', U32],
  ['channel_ids', SEQ0_64K(U32)],
]);
