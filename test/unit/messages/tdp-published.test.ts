// Template Distribution bytes as another implementation (sv2-tp, the C++ Template Provider)
// publishes them, beyond the sv2-tp 1be45c46 vectors in vectors.test.ts:
//
// - stratum-mining/sv2-tp src/test/sv2_messages_tests.cpp at f1ae4a1f5b11a3a6cf6529524727c51f9009c4d9
//   (Sv2NewTemplate_test, Sv2NewTemplate_MultipleOutputs_test): sv2-tp there serialises NewTemplate
//   with a 32-byte `coinbase_witness` (U256) after coinbase_prefix, a field sv2-spec 07 §7.2 does
//   not have. Our codec follows the spec: those bytes are a typed error (never a silent misread of
//   every later field), and with the 32 bytes taken out they are exactly the spec form, which we
//   decode and re-encode byte for byte.
// - stratum-mining/sv2-tp src/test/sv2_template_provider_tests.cpp at
//   05585cd16d222067713c5d3a9afd0843045ff3da (client_tests): RequestTransactionData is the 8-byte
//   template id, and RequestTransactionData.Success for one transaction is 8 (template_id) + 2
//   (excess_data length) + 2 (transaction count) + 3 (U24 length) + the transaction serialised
//   with its witness (TX_WITH_WITNESS).
import { describe, expect, it } from 'vitest';
import { NewTemplate, RequestTransactionData, RequestTransactionDataError, RequestTransactionDataSuccess } from '../../../agent/sv2/messages/index.js';
import { decodeFrame, decodePayload, encodeMessage, encodePayload } from '../../../agent/sv2/codec.js';
import { Sv2Error } from '../../../agent/sv2/errors.js';
import { parseTx } from '../../../agent/bitcoin/index.js';

const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// Sv2NewTemplate_test and Sv2NewTemplate_MultipleOutputs_test expected strings (f1ae4a1f).
const WITH_WITNESS_SINGLE =
  '010000000000000000000000300200000004030121000000000000000000000000000000000000000000000000000000000000000000ffffffff0040075af0750700010000000c000100000000000000036a012adbc80d00011a6240823de4c8d6aaf826851bdf2b0e8d5acf7c31e8578cff4c394b5a32bd4e';
const WITH_WITNESS_MULTI =
  '010000000000000000000000300200000004030121000000000000000000000000000000000000000000000000000000000000000000ffffffff0040075af07507000300000021006400000000000000026a51c800000000000000026a522c01000000000000026a53dbc80d00011a6240823de4c8d6aaf826851bdf2b0e8d5acf7c31e8578cff4c394b5a32bd4e';
// template_id 8 + future 1 + version 4 + coinbase_tx_version 4 + prefix (1 + 4) = 22 bytes before the witness.
const WITNESS_AT = 22;

describe('sv2-tp f1ae4a1f: NewTemplate with a coinbase_witness field', () => {
  it('is refused with a typed error by the spec codec, in the payload and in a frame', () => {
    for (const h of [WITH_WITNESS_SINGLE, WITH_WITNESS_MULTI]) {
      expect(() => decodePayload(NewTemplate, bytes(h))).toThrow(Sv2Error);
      expect(() => decodeFrame({ extensionType: 0, channelMsg: false, msgType: 0x71, payload: bytes(h) })).toThrow(Sv2Error);
    }
  });

  it('without the 32 witness bytes is the spec form: decoded and re-encoded byte for byte', () => {
    for (const h of [WITH_WITNESS_SINGLE, WITH_WITNESS_MULTI]) {
      const b = bytes(h);
      expect(hex(b.subarray(WITNESS_AT, WITNESS_AT + 32))).toBe('00'.repeat(32));
      const spec = new Uint8Array([...b.subarray(0, WITNESS_AT), ...b.subarray(WITNESS_AT + 32)]);
      const f = decodePayload(NewTemplate, spec).fields;
      expect(f.template_id).toBe(1n);
      expect(hex(f.coinbase_prefix)).toBe('03012100');
      expect(f.coinbase_tx_input_sequence).toBe(0xffffffff);
      expect(f.coinbase_tx_value_remaining).toBe(2_100_000_000_000_000n);
      expect(f.coinbase_tx_locktime).toBe(903387);
      expect(hex(encodePayload(NewTemplate, f))).toBe(hex(spec));
      expect(hex(encodeMessage(NewTemplate, f))).toBe('000071' + Buffer.from([spec.length & 0xff, spec.length >> 8, 0]).toString('hex') + hex(spec));
    }
  });
});

describe('sv2-tp 05585cd1: RequestTransactionData and its answers', () => {
  // A transaction as published bytes: the 116-byte coinbase sv2-tp's Sv2SubmitSolution_test
  // carries (sv2_messages_tests.cpp, same commits), a complete transaction.
  const TX = bytes(
    '02000000010000000000000000000000000000000000000000000000000000000000000000ffffffff22011800000300000000000000000000000000000000000000000000000000000000000000ffff010000000000000000160014531260aa2a199e228c537dfa42c82bea2c7c1f4d00000000',
  );

  it('RequestTransactionData is the 8-byte template id', () => {
    const p = encodePayload(RequestTransactionData, { template_id: 2n });
    expect(hex(p)).toBe('0200000000000000');
    expect(decodePayload(RequestTransactionData, p).fields.template_id).toBe(2n);
    expect(hex(encodeMessage(RequestTransactionData, { template_id: 2n }))).toBe('000073080000' + '0200000000000000');
  });

  it('RequestTransactionData.Success with one transaction: 8 + 2 + 2 + 3 + the transaction', () => {
    expect(TX.length).toBe(116);
    expect(parseTx(TX).outputs.length).toBe(1);
    const p = encodePayload(RequestTransactionDataSuccess, { template_id: 2n, excess_data: new Uint8Array(0), transaction_list: [TX] });
    expect(p.length).toBe(8 + 2 + 2 + 3 + TX.length);
    expect(hex(p.subarray(0, 15))).toBe('0200000000000000' + '0000' + '0100' + '740000');
    expect(hex(p.subarray(15))).toBe(hex(TX));
    const back = decodePayload(RequestTransactionDataSuccess, p).fields;
    expect(back.transaction_list.map(hex)).toEqual([hex(TX)]);
    expect(hex(encodePayload(RequestTransactionDataSuccess, back))).toBe(hex(p));
    // A count that promises more transactions than the bytes hold is a typed error.
    const lying = p.slice();
    lying[10] = 2;
    expect(() => decodePayload(RequestTransactionDataSuccess, lying)).toThrow(Sv2Error);
  });

  it('RequestTransactionData.Error carries the spec error codes sv2-tp and SRI use', () => {
    // stale-template-id, template-id-not-found: sv2-spec 07 §7.6; SRI template_distribution_sv2
    // lib.rs ERROR_CODE_REQUEST_TRANSACTION_DATA_* constants.
    for (const code of ['stale-template-id', 'template-id-not-found']) {
      const p = encodePayload(RequestTransactionDataError, { template_id: 7n, error_code: code });
      expect(hex(p)).toBe('0700000000000000' + code.length.toString(16).padStart(2, '0') + Buffer.from(code).toString('hex'));
      expect(decodePayload(RequestTransactionDataError, p).fields.error_code).toBe(code);
    }
  });
});
