// Byte-exact frames from published tests of the reference implementations.
import { describe, expect, it } from 'vitest';
import {
  NewMiningJob,
  PushSolution,
  SetCustomMiningJob,
  SetCustomMiningJobError,
  SetCustomMiningJobSuccess,
  SetupConnection,
  SetupConnectionError,
  SetupConnectionSuccess,
  SetNewPrevHashTemplate,
  SubmitSolution,
  NewTemplate,
  RequestExtensions,
  SubmitSharesExtended,
  userIdentityTlv,
  findUserIdentity,
} from '../../../agent/sv2/messages/index.js';
import { decodeFrame, decodePayload, encodeMessage, encodePayload, messageFrame } from '../../../agent/sv2/codec.js';
import { parseHeader } from '../../../agent/sv2/framing.js';
import { Sv2Error } from '../../../agent/sv2/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const range = (from: number, to: number) => Uint8Array.from({ length: to - from }, (_, i) => from + i);
const le32 = (b: number[]) => Buffer.from(b).readUInt32LE(0);

describe('stratum-mining/stratum sv2/parsers-sv2/src/lib.rs', () => {
  it('new_mining_job_serialization: the whole NewMiningJob frame', () => {
    const expected = Uint8Array.from([0, 128, 21, 49, 0, 0, ...range(1, 9), 1, ...range(9, 17), ...range(17, 49)]);
    const fields = {
      channel_id: le32([1, 2, 3, 4]),
      job_id: le32([5, 6, 7, 8]),
      min_ntime: le32([9, 10, 11, 12]),
      version: le32([13, 14, 15, 16]),
      merkle_root: range(17, 49),
    };
    expect(hex(encodeMessage(NewMiningJob, fields))).toBe(hex(expected));
    const h = parseHeader(expected);
    const m = decodeFrame({ ...h, payload: expected.subarray(6) });
    expect(m.key).toBe('NewMiningJob');
    expect(m.key === 'NewMiningJob' && m.fields).toEqual(fields);
  });
  it('push_solution_serialization: the whole PushSolution frame', () => {
    const expected = Uint8Array.from(Buffer.concat([
      Uint8Array.from([0, 0, 0x60, 53, 0, 0, 4, 1, 2, 3, 4]),
      range(5, 37),
      Buffer.from('4433221188776655ccbbaa9900ffeedd', 'hex'),
    ]));
    const fields = { extranonce: Uint8Array.of(1, 2, 3, 4), prev_hash: range(5, 37), nonce: 0x11223344, ntime: 0x55667788, nbits: 0x99aabbcc, version: 0xddeeff00 };
    expect(hex(encodeMessage(PushSolution, fields))).toBe(hex(expected));
    expect(decodePayload(PushSolution, expected.subarray(6)).fields).toEqual(fields);
  });
  it('set_custom_mining_job_messages_use_channel_msg_bit', () => {
    const frames = [
      encodeMessage(SetCustomMiningJob, {
        channel_id: 1, request_id: 2, mining_job_token: Uint8Array.of(3), version: 4, prev_hash: range(5, 37), min_ntime: 38, nbits: 39,
        coinbase_tx_version: 40, coinbase_prefix: Uint8Array.of(41), coinbase_tx_input_nSequence: 42, coinbase_tx_outputs: Uint8Array.of(43),
        coinbase_tx_locktime: 44, merkle_path: [],
      }),
      encodeMessage(SetCustomMiningJobSuccess, { channel_id: 1, request_id: 2, job_id: 3 }),
      encodeMessage(SetCustomMiningJobError, { channel_id: 1, request_id: 2, error_code: 'invalid-channel-id' }),
    ];
    for (const f of frames) expect(parseHeader(f).channelMsg).toBe(true);
  });
  it('RequestExtensions is extension 0x0001, message type 0', () => {
    const f = encodeMessage(RequestExtensions, { request_id: 1, requested_extensions: [2] });
    expect(hex(f.subarray(0, 3))).toBe('010000');
  });
});

describe('stratum-mining/stratum sv2/parsers-sv2/src/tlv/codec.rs', () => {
  it('test_tlv_encode_format: type and length are little-endian (02 00 01 04 00 "test")', () => {
    const share = { channel_id: 1, sequence_number: 2, job_id: 3, nonce: 4, ntime: 5, version: 6, extranonce: new Uint8Array(0) };
    const payload = encodePayload(SubmitSharesExtended, share, [userIdentityTlv('test')]);
    expect(hex(payload.subarray(payload.length - 9))).toBe('0200010400' + hex(Buffer.from('test')));
    const back = decodePayload(SubmitSharesExtended, payload);
    expect(back.fields).toEqual(share);
    expect(findUserIdentity(back.tlvs!)).toBe('test');
  });
  it('Worker_001 round-trips; a truncated TLV is a typed error', () => {
    const share = { channel_id: 1, sequence_number: 2, job_id: 3, nonce: 4, ntime: 5, version: 6, extranonce: Uint8Array.of(9) };
    const p = encodePayload(SubmitSharesExtended, share, [userIdentityTlv('Worker_001')]);
    expect(findUserIdentity(decodePayload(SubmitSharesExtended, p).tlvs!)).toBe('Worker_001');
    expect(() => decodePayload(SubmitSharesExtended, p.subarray(0, p.length - 1))).toThrow(Sv2Error);
    expect(() => decodePayload(SubmitSharesExtended, p.subarray(0, p.length - 12))).toThrow(/not a TLV field/);
    expect(() => userIdentityTlv('x'.repeat(33))).toThrow(Sv2Error);
  });
});

describe('stratum-mining/sv2-tp src/test/sv2_messages_tests.cpp (1be45c46)', () => {
  it('Sv2SetupConnection_test: 82-byte SetupConnection', () => {
    const input = bytes(
      '02020002000100000007302e302e302e306121074269746d61696e085339692031332e351c62726169696e732d6f732d323031382d30392d32322d312d6861736810736f6d652d6465766963652d75756964',
    );
    expect(input.length).toBe(82);
    const fields = decodePayload(SetupConnection, input).fields;
    expect(fields).toEqual({
      protocol: 2, min_version: 2, max_version: 2, flags: 1, endpoint_host: '0.0.0.0', endpoint_port: 8545,
      vendor: 'Bitmain', hardware_version: 'S9i 13.5', firmware: 'braiins-os-2018-09-22-1-hash', device_id: 'some-device-uuid',
    });
    // Sv2NetHeader_SetupConnection_test: header 00 00 00 52 00 00
    expect(hex(encodeMessage(SetupConnection, fields))).toBe('000000520000' + hex(input));
  });
  it('Sv2SetupConnectionSuccess_test and Sv2SetupConnectionError_test', () => {
    expect(hex(encodePayload(SetupConnectionSuccess, { used_version: 2, flags: 3 }))).toBe('020003000000');
    expect(hex(encodePayload(SetupConnectionError, { flags: 0, error_code: 'protocol-version-mismatch' }))).toBe(
      '000000001970726f746f636f6c2d76657273696f6e2d6d69736d61746368',
    );
  });
  it('Sv2SetNewPrevHash_test', () => {
    const expected =
      '0200000000000000e59a2ef8d4826b89fe637f3b5322c0f167fd2d3dc88ec568a7c2c8ffd8eb8873973c0e63ffff7f03ffff7f0000000000000000000000000000000000000000000000000000000000';
    const f = decodePayload(SetNewPrevHashTemplate, bytes(expected)).fields;
    expect(f.template_id).toBe(2n);
    expect(f.header_timestamp).toBe(1661877399);
    expect(f.n_bits).toBe(58720255);
    expect(hex(encodePayload(SetNewPrevHashTemplate, f))).toBe(expected);
    expect(hex(messageFrame(SetNewPrevHashTemplate, f).payload)).toBe(expected);
    expect(hex(encodeMessage(SetNewPrevHashTemplate, f).subarray(0, 3))).toBe('000072'); // Sv2NetHeader_SetNewPrevHash_test
  });
  it('Sv2NewTemplate_test and Sv2NewTemplate_MultipleOutputs_test', () => {
    const single =
      '01000000000000000000000030020000000403012100ffffffff0040075af0750700010000000c000100000000000000036a012adbc80d00011a6240823de4c8d6aaf826851bdf2b0e8d5acf7c31e8578cff4c394b5a32bd4e';
    const multi =
      '01000000000000000000000030020000000403012100ffffffff0040075af07507000300000021006400000000000000026a51c800000000000000026a522c01000000000000026a53dbc80d00011a6240823de4c8d6aaf826851bdf2b0e8d5acf7c31e8578cff4c394b5a32bd4e';
    const f = decodePayload(NewTemplate, bytes(multi)).fields;
    expect(f.template_id).toBe(1n);
    expect(f.future_template).toBe(false);
    expect(f.version).toBe(805306368);
    expect(f.coinbase_tx_version).toBe(2);
    expect(hex(f.coinbase_prefix)).toBe('03012100');
    expect(f.coinbase_tx_input_sequence).toBe(0xffffffff);
    expect(f.coinbase_tx_value_remaining).toBe(2_100_000_000_000_000n); // MAX_MONEY
    expect(f.coinbase_tx_outputs_count).toBe(3);
    expect(f.coinbase_tx_outputs.length).toBe(33);
    expect(f.coinbase_tx_locktime).toBe(903387);
    expect(f.merkle_path.map(hex)).toEqual(['1a6240823de4c8d6aaf826851bdf2b0e8d5acf7c31e8578cff4c394b5a32bd4e']);
    expect(hex(encodePayload(NewTemplate, f))).toBe(multi);
    const g = decodePayload(NewTemplate, bytes(single)).fields;
    expect(hex(g.coinbase_tx_outputs)).toBe('000100000000000000036a012a'.slice(2));
    expect(hex(encodePayload(NewTemplate, g))).toBe(single);
    expect(hex(encodeMessage(NewTemplate, g).subarray(0, 3))).toBe('000071'); // Sv2NetHeader_NewTemplate_test
  });
  it('Sv2SubmitSolution_test', () => {
    const input = bytes(
      '020000000000000002000000973c0e63ffff7f035d0002000000010000000000000000000000000000000000000000000000000000000000000000ffffffff22011800000300000000000000000000000000000000000000000000000000000000000000ffff010000000000000000160014531260aa2a199e228c537dfa42c82bea2c7c1f4d00000000',
    );
    // The test declares a 0x5d-byte coinbase_tx but carries 116 bytes after the length (and checks
    // nothing): the declared message is the first 22 + 93 bytes; the rest is not a valid TLV tail.
    const declared = input.subarray(0, 22 + 0x5d);
    const f = decodePayload(SubmitSolution, declared).fields;
    expect(f.template_id).toBe(2n);
    expect(f.version).toBe(2);
    expect(f.header_timestamp).toBe(1661877399);
    expect(f.header_nonce).toBe(58720255);
    expect(f.coinbase_tx.length).toBe(0x5d);
    expect(hex(encodePayload(SubmitSolution, f))).toBe(hex(declared));
    expect(() => decodePayload(SubmitSolution, input)).toThrow(Sv2Error);
  });
});
