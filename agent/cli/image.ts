// `hashagent image keygen | sign | verify`: the operator's ed25519 image-signing key and the
// signed manifest of a payload folder (agent/image/manifest.ts). `npm run image` signs with it,
// `hashagent flash` and the board verify with it.
import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { ManifestError, generateImageKey, imagePublicKeyOf, parseImageKey, signPayload, verifyPayload } from '../image/manifest.js';
import { VERSION } from '../version.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A key given as hex or as a file holding hex. */
export function readImageKey(value: string, what: string): Uint8Array {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return parseImageKey(value, what);
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (e) {
    throw new UsageError(`${what}: cannot read ${value}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseImageKey(text, `${what} ${value}`);
}

export const image: Command = {
  name: 'image',
  summary: 'image-signing key, and sign or verify a payload\'s manifest',
  usage: [
    'hashagent image keygen --out FILE      a new ed25519 image-signing key (secret to FILE, mode 600; prints the public key)',
    'hashagent image sign DIR --key FILE    hash every file under DIR into DIR/manifest.json, sign it (DIR/manifest.sig)',
    'hashagent image verify DIR --pubkey HEX|FILE',
    '                                       check the signature and every file; exit 1 with the reasons if anything differs',
  ].join('\n'),
  async run(args) {
    const [sub, ...rest] = args;
    try {
      if (sub === 'keygen') {
        const { flags, positional } = parseArgs(rest, ['out']);
        const out = flags.get('out');
        if (positional.length || typeof out !== 'string') throw new UsageError('image keygen takes --out FILE');
        const { secretKey, publicKey } = generateImageKey();
        try {
          writeFileSync(out, hex(secretKey) + '\n', { mode: 0o600, flag: 'wx' });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          throw new UsageError(`--out: ${code === 'EEXIST' ? `${out} exists; a key file is never overwritten` : `cannot write ${out}: ${code}`}`);
        }
        process.stdout.write(`public_key: ${hex(publicKey)}\n`);
        return 0;
      }
      if (sub === 'sign' || sub === 'verify') {
        const { flags, positional } = parseArgs(rest, sub === 'sign' ? ['key'] : ['pubkey']);
        const flag = sub === 'sign' ? 'key' : 'pubkey';
        const key = flags.get(flag);
        if (positional.length !== 1 || typeof key !== 'string') throw new UsageError(`image ${sub} takes DIR and --${flag}`);
        const dir = positional[0]!;
        if (sub === 'sign') {
          const secret = readImageKey(key, '--key');
          const m = signPayload(dir, secret, VERSION);
          process.stdout.write(`signed ${m.files.length} files in ${dir} (public key ${hex(imagePublicKeyOf(secret))})\n`);
        } else {
          const m = verifyPayload(dir, readImageKey(key, '--pubkey'));
          process.stdout.write(`verified ${m.files.length} files in ${dir} (version ${m.version})\n`);
        }
        return 0;
      }
      throw new UsageError(sub === undefined ? 'give keygen, sign or verify' : `unknown subcommand '${sub}'`);
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      process.stderr.write(`hashagent image: ${e.message}\n`);
      return 1;
    }
  },
};
