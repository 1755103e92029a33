import { readFileSync } from 'node:fs';
import type { Command } from './command.js';
import { UsageError } from './command.js';
import { FrameDecoder } from '../sv2/framing.js';
import { decodeFrame } from '../sv2/codec.js';
import { messageToJson } from '../sv2/json.js';
import { Sv2Error } from '../sv2/errors.js';

const usage = [
  'hashagent sv2 decode <hex> | -',
  '',
  '  Decodes one or more concatenated plain SV2 frames (header ‖ payload) given as hex,',
  '  or read from standard input with -, and prints one JSON object per frame:',
  '  {"extension_type","channel_msg","msg_type","name","fields"}.',
  '  Whitespace in the hex is ignored. An undecodable frame prints its error and exits 1.',
].join('\n');

export const sv2: Command = {
  name: 'sv2',
  summary: 'SV2 tools: decode frames to JSON',
  usage,
  async run(args) {
    const [sub, input, ...rest] = args;
    if (sub !== 'decode') throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`);
    if (input === undefined) throw new UsageError('decode needs <hex> or -');
    if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
    const text = (input === '-' ? readFileSync(0, 'utf8') : input).replace(/\s+/g, '').replace(/^0x/i, '');
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) {
      process.stderr.write(`hashagent sv2 decode: input is not an even-length hex string\n`);
      return 1;
    }
    const bytes = Uint8Array.from(Buffer.from(text, 'hex'));
    const decoder = new FrameDecoder();
    let offset = 0;
    try {
      for (const f of decoder.push(bytes)) {
        process.stdout.write(JSON.stringify(messageToJson(decodeFrame(f))) + '\n');
        offset += 6 + f.payload.length;
      }
      if (decoder.buffered > 0) {
        throw new Sv2Error('truncated', `incomplete frame at the end of the input: ${decoder.buffered} byte(s) of a frame`, 'frame', offset);
      }
    } catch (e) {
      if (!(e instanceof Sv2Error)) throw e;
      const where = e.offset !== undefined ? ` (frame at byte ${offset}, offset ${e.offset})` : ` (frame at byte ${offset})`;
      process.stderr.write(`hashagent sv2 decode: ${e.code}: ${e.message}${where}\n`);
      return 1;
    }
    return 0;
  },
};
