import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { Sv2Error } from '../sv2/errors.js';
import { decodeSecretKey, encodeAuthorityPublicKey, encodeSecretKey, generateAuthorityKeyPair, publicKeyOf } from '../sv2/keys.js';

export const keygen: Command = {
  name: 'keygen',
  summary: 'make an authority key pair (or derive the public key of a secret)',
  usage: [
    'hashagent keygen [--secret <base58>] [--json]',
    '',
    '  (no options)       print a new authority key pair',
    '  --secret <base58>  print the public key of an existing authority secret key',
    '  --json             print one JSON object instead of key: value lines',
    '',
    'The public key goes into pool URLs: stratum2+tcp://host:port/<public_key>.',
  ].join('\n'),
  async run(args) {
    const { flags, positional } = parseArgs(args, ['secret'], ['json']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    let secret: Uint8Array;
    let pub: Uint8Array;
    const given = flags.get('secret');
    if (typeof given === 'string') {
      try {
        secret = decodeSecretKey(given);
      } catch (e) {
        if (e instanceof Sv2Error) throw new UsageError(`--secret: ${e.message}`);
        throw e;
      }
      pub = publicKeyOf(secret);
    } else {
      ({ secretKey: secret, publicKey: pub } = generateAuthorityKeyPair());
    }
    const out = {
      secret_key: encodeSecretKey(secret),
      public_key: encodeAuthorityPublicKey(pub),
      public_key_hex: Buffer.from(pub).toString('hex'),
    };
    process.stdout.write(
      flags.has('json') ? JSON.stringify(out) + '\n' : Object.entries(out).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n',
    );
    return 0;
  },
};
