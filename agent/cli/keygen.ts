import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { Sv2Error } from '../sv2/errors.js';
import { decodeSecretKey, encodeAuthorityPublicKey, encodeSecretKey, generateAuthorityKeyPair, publicKeyOf } from '../sv2/keys.js';

export const keygen: Command = {
  name: 'keygen',
  summary: 'make an authority key pair (or derive the public key of a secret)',
  usage: [
    'hashagent keygen [--out FILE | --secret-file FILE | --secret <base58>] [--json]',
    '',
    '  (no options)         print a new authority key pair',
    '  --out FILE           write a new secret key to FILE (mode 600, never over an existing file)',
    '                       for pool.toml\'s authority_secret_key_file; print only its public key',
    '  --secret-file FILE   print the public key of the secret key in FILE',
    '  --secret <base58>    print the public key of an existing authority secret key',
    '  --json               print one JSON object instead of key: value lines',
    '',
    'The public key goes into pool URLs: stratum2+tcp://host:port/<public_key>.',
  ].join('\n'),
  async run(args) {
    const { flags, positional } = parseArgs(args, ['secret', 'secret-file', 'out'], ['json']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    if (['secret', 'secret-file', 'out'].filter((f) => flags.has(f)).length > 1) throw new UsageError('give one of --out, --secret-file and --secret');
    let secret: Uint8Array;
    let pub: Uint8Array;
    const file = flags.get('secret-file');
    const given = typeof file === 'string' ? readSecretFile(file) : flags.get('secret');
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
    const out: Record<string, string> = {
      secret_key: encodeSecretKey(secret),
      public_key: encodeAuthorityPublicKey(pub),
      public_key_hex: Buffer.from(pub).toString('hex'),
    };
    const outFile = flags.get('out');
    // A secret from or into a file stays there: only the public key is printed.
    if (typeof outFile === 'string') writeSecretFile(outFile, out.secret_key!);
    if (typeof outFile === 'string' || typeof file === 'string') delete out.secret_key;
    process.stdout.write(
      flags.has('json') ? JSON.stringify(out) + '\n' : Object.entries(out).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n',
    );
    return 0;
  },
};

function readSecretFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new UsageError(`--secret-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function writeSecretFile(file: string, secret: string): void {
  try {
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--out: ${code === 'EEXIST' ? `${file} exists; a key file is never overwritten` : `cannot write ${file}: ${code ?? String(e)}`}`);
  }
}
