// Template Distribution protocol (extension 0, 0x70–0x76; spec 07-Template-Distribution-Protocol).
// NewTemplate.coinbase_tx_outputs is NOT CompactSize-prefixed: the count is a separate field.
import { B0_16M, B0_255, B0_64K, BOOL, SEQ0_255, SEQ0_64K, STR0_255, U16, U256, U32, U64 } from '../binary.js';
import { define } from './define.js';

export const CoinbaseOutputConstraints = define('CoinbaseOutputConstraints', 'template-distribution', 0, 0x70, false, [
  ['coinbase_output_max_additional_size', U32],
  ['coinbase_output_max_additional_sigops', U16],
]);
export const NewTemplate = define('NewTemplate', 'template-distribution', 0, 0x71, false, [
  ['template_id', U64],
  ['future_template', BOOL],
  ['version', U32],
  ['coinbase_tx_version', U32],
  ['coinbase_prefix', B0_255],
  ['coinbase_tx_input_sequence', U32],
  ['coinbase_tx_value_remaining', U64],
  ['coinbase_tx_outputs_count', U32],
  ['coinbase_tx_outputs', B0_64K],
  ['coinbase_tx_locktime', U32],
  ['merkle_path', SEQ0_255(U256)],
]);
// The spec calls this one SetNewPrevHash too; its key tells it apart from the mining message.
export const SetNewPrevHashTemplate = define(
  'SetNewPrevHash.TemplateDistribution',
  'template-distribution',
  0,
  0x72,
  false,
  [
    ['template_id', U64],
    ['prev_hash', U256],
    ['header_timestamp', U32],
    ['n_bits', U32],
    ['target', U256],
  ],
  'SetNewPrevHash',
);
export const RequestTransactionData = define('RequestTransactionData', 'template-distribution', 0, 0x73, false, [['template_id', U64]]);
export const RequestTransactionDataSuccess = define('RequestTransactionData.Success', 'template-distribution', 0, 0x74, false, [
  ['template_id', U64],
  ['excess_data', B0_64K],
  ['transaction_list', SEQ0_64K(B0_16M)],
]);
export const RequestTransactionDataError = define('RequestTransactionData.Error', 'template-distribution', 0, 0x75, false, [
  ['template_id', U64],
  ['error_code', STR0_255],
]);
export const SubmitSolution = define('SubmitSolution', 'template-distribution', 0, 0x76, false, [
  ['template_id', U64],
  ['version', U32],
  ['header_timestamp', U32],
  ['header_nonce', U32],
  ['coinbase_tx', B0_64K],
]);
