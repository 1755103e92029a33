import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { encodeMessage } from '../../agent/sv2/codec.js';
import { NewTemplate, SubmitSharesExtended, userIdentityTlv } from '../../agent/sv2/messages/index.js';
import { encodePayload } from '../../agent/sv2/codec.js';
import { decodeAuthorityPublicKey, decodeSecretKey, publicKeyOf } from '../../agent/sv2/keys.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('hashagent CLI', () => {
  it('usage: no command and unknown commands exit 2; version works', () => {
    expect(runCli([]).status).toBe(2);
    const bad = runCli(['frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(runCli(['keygen', '--bogus']).status).toBe(2);
    expect(runCli(['version']).stdout).toMatch(/^hashagent \d+\.\d+\.\d+/);
    expect(runCli(['--version']).stdout).toBe(runCli(['version']).stdout);
  });

  it('keygen prints a pair whose secret derives its public key; --secret and --json', () => {
    const r = runCli(['keygen']);
    expect(r.status).toBe(0);
    const kv = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(': ')));
    expect(hex(publicKeyOf(decodeSecretKey(kv.secret_key)))).toBe(hex(decodeAuthorityPublicKey(kv.public_key)));
    expect(kv.public_key_hex).toBe(hex(decodeAuthorityPublicKey(kv.public_key)));
    // stratum-mining/stratum v1.5.0 utils/key-utils test pair
    const j = JSON.parse(runCli(['keygen', '--secret', 'zmBEmPhqo3A92FkiLVvyCz6htc3e53ph3ZbD4ASqGaLjwnFLi', '--json']).stdout);
    expect(j.public_key).toBe('9bDuixKmZqAJnrmP746n8zU1wyAQRrus7th9dxnkPg6RzQvCnan');
    const wrong = runCli(['keygen', '--secret', 'abc']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/--secret: .*base58check/);
  });

  it('sv2 decode prints one JSON object per frame with spec names', () => {
    // stratum-mining/stratum parsers-sv2 new_mining_job_serialization frame + a NewTemplate + a share with a TLV
    const njm = '008015310000' + '0102030405060708' + '01090a0b0c' + '0d0e0f10' + Buffer.from(Array.from({ length: 32 }, (_, i) => 17 + i)).toString('hex');
    const nt = encodeMessage(NewTemplate, {
      template_id: 2n ** 60n, future_template: true, version: 0x20000000, coinbase_tx_version: 2, coinbase_prefix: Uint8Array.of(3, 1, 2, 3),
      coinbase_tx_input_sequence: 0xffffffff, coinbase_tx_value_remaining: 5_000_000_000n, coinbase_tx_outputs_count: 0, coinbase_tx_outputs: new Uint8Array(0),
      coinbase_tx_locktime: 0, merkle_path: [new Uint8Array(32).fill(0xab)],
    });
    const payload = encodePayload(SubmitSharesExtended, { channel_id: 1, sequence_number: 2, job_id: 3, nonce: 4, ntime: 5, version: 6, extranonce: Uint8Array.of(0xee) }, [userIdentityTlv('w1')]);
    const share = '0080' + '1b' + Buffer.from([payload.length, 0, 0]).toString('hex') + hex(payload);
    const r = runCli(['sv2', 'decode', `${njm} ${hex(nt)}\n${share}`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toEqual({
      extension_type: 0, channel_msg: true, msg_type: 0x15, name: 'NewMiningJob',
      fields: { channel_id: 0x04030201, job_id: 0x08070605, min_ntime: 0x0c0b0a09, version: 0x100f0e0d, merkle_root: Buffer.from(Array.from({ length: 32 }, (_, i) => 17 + i)).toString('hex') },
    });
    expect(lines[1].name).toBe('NewTemplate');
    expect(lines[1].fields.template_id).toBe('1152921504606846976'); // above 2^53: a decimal string
    expect(lines[1].fields.coinbase_tx_value_remaining).toBe(5_000_000_000);
    expect(lines[1].fields.merkle_path).toEqual(['ab'.repeat(32)]);
    expect(lines[2].name).toBe('SubmitSharesExtended');
    expect(lines[2].fields.extranonce).toBe('ee');
    expect(lines[2].tlvs).toEqual([{ type_ext: 2, field_type: 1, value: hex(Buffer.from('w1')) }]);
  });

  it('sv2 decode reads stdin with -, passes unknown frames through, and fails clearly', () => {
    const unknown = runCli(['sv2', 'decode', '-'], '0140 07 020000 beef\n');
    expect(unknown.status).toBe(0);
    expect(JSON.parse(unknown.stdout)).toEqual({ extension_type: 0x4001, channel_msg: false, msg_type: 7, name: null, fields: null, payload: 'beef' });
    const truncated = runCli(['sv2', 'decode', '0080153100000102']);
    expect(truncated.status).toBe(1);
    expect(truncated.stderr).toMatch(/truncated: incomplete frame/);
    const badOption = runCli(['sv2', 'decode', '008015' + '2d0000' + '01000000' + '02000000' + '07' + '00'.repeat(36)]);
    expect(badOption.status).toBe(1);
    expect(badOption.stderr).toMatch(/invalid-value: NewMiningJob\.min_ntime: OPTION tag/);
    const notHex = runCli(['sv2', 'decode', 'xyz']);
    expect(notHex.status).toBe(1);
    expect(runCli(['sv2', 'encode', '00']).status).toBe(2);
  });
});
