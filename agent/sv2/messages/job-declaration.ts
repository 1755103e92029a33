// Job Declaration protocol (extension 0, 0x50–0x60; spec 06-Job-Declaration-Protocol).
// Current layouts only: pre-v1.4 SRI peers (IdentifyTransactions, short-hash lists) are not compatible.
import { B0_16M, B0_255, B0_32, B0_64K, SEQ0_64K, STR0_255, U16, U256, U32 } from '../binary.js';
import { define } from './define.js';

// Note: user_identifier comes before request_id here.
export const AllocateMiningJobToken = define('AllocateMiningJobToken', 'job-declaration', 0, 0x50, false, [
  ['user_identifier', STR0_255],
  ['request_id', U32],
]);
export const AllocateMiningJobTokenSuccess = define('AllocateMiningJobToken.Success', 'job-declaration', 0, 0x51, false, [
  ['request_id', U32],
  ['mining_job_token', B0_255],
  ['coinbase_tx_outputs', B0_64K],
]);
export const ProvideMissingTransactions = define('ProvideMissingTransactions', 'job-declaration', 0, 0x55, false, [
  ['request_id', U32],
  ['unknown_tx_position_list', SEQ0_64K(U16)],
]);
export const ProvideMissingTransactionsSuccess = define('ProvideMissingTransactions.Success', 'job-declaration', 0, 0x56, false, [
  ['request_id', U32],
  ['transaction_list', SEQ0_64K(B0_16M)],
]);
export const DeclareMiningJob = define('DeclareMiningJob', 'job-declaration', 0, 0x57, false, [
  ['request_id', U32],
  ['mining_job_token', B0_255],
  ['version', U32],
  ['coinbase_tx_prefix', B0_64K],
  ['coinbase_tx_suffix', B0_64K],
  ['wtxid_list', SEQ0_64K(U256)],
  ['excess_data', B0_64K],
]);
export const DeclareMiningJobSuccess = define('DeclareMiningJob.Success', 'job-declaration', 0, 0x58, false, [
  ['request_id', U32],
  ['new_mining_job_token', B0_255],
]);
export const DeclareMiningJobError = define('DeclareMiningJob.Error', 'job-declaration', 0, 0x59, false, [
  ['request_id', U32],
  ['error_code', STR0_255],
  ['error_details', B0_64K],
]);
export const PushSolution = define('PushSolution', 'job-declaration', 0, 0x60, false, [
  ['extranonce', B0_32],
  ['prev_hash', U256],
  ['nonce', U32],
  ['ntime', U32],
  ['nbits', U32],
  ['version', U32],
]);
