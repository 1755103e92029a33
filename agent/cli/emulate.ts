import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { EMULATED_BOARDS, emulatedBoard, nominalBoardHashrate } from '../../board/emulated/chain-profiles.js';
import { EmulatedHashboards } from '../../board/emulated/hashboard.js';
import { untilSignal } from './signals.js';

const boards = EMULATED_BOARDS.map((b) => `    ${b.name.padEnd(18)} ${b.description}`).join('\n');

export const emulate: Command = {
  name: 'emulate',
  summary: 'emulated hashboards speaking the real BM13xx protocol',
  usage: `hashagent emulate --board PROFILE --listen tcp://HOST:PORT | unix:PATH | pty [--hashrate-scale X] [--seconds N]

  Chain i listens on PORT + i (tcp), PATH.i (unix, boards with several chains) or behind its own
  socat pty pair (pty: the host opens the printed device). The chips hash for real at a difficulty
  scaled by the board profile; --hashrate-scale multiplies their nominal rate (default 1).

  boards:
${boards}`,
  async run(args) {
    const { flags, positional } = parseArgs(args, ['board', 'listen', 'hashrate-scale', 'seconds']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const name = flags.get('board');
    const where = flags.get('listen');
    if (typeof name !== 'string') throw new UsageError('--board is required');
    if (typeof where !== 'string') throw new UsageError('--listen is required');
    let profile;
    try {
      profile = emulatedBoard(name);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const scaleArg = flags.get('hashrate-scale');
    const scale = scaleArg === undefined ? 1 : Number(scaleArg);
    if (!(scale > 0 && scale <= 100)) throw new UsageError('--hashrate-scale must be a number in (0, 100]');
    const secondsArg = flags.get('seconds');
    const seconds = secondsArg === undefined ? undefined : Number(secondsArg);
    if (seconds !== undefined && !(seconds > 0)) throw new UsageError('--seconds must be positive');
    let running;
    try {
      running = await EmulatedHashboards.listen(profile, where, { hashrateScale: scale });
    } catch (e) {
      process.stderr.write(`hashagent emulate: ${(e as Error).message}\n`);
      return 1;
    }
    const out = (l: string) => process.stdout.write(l + '\n');
    out(`${profile.description}, ${(nominalBoardHashrate(profile, scale) / 1e12).toFixed(3)} TH/s nominal at the default clock, difficulty scale 2^${profile.difficultyShift}`);
    running.addresses.forEach((a, i) => out(`chain ${i}: ${a}`));
    await untilSignal(seconds);
    await running.boards.close();
    // What was really hashed, for a host (or a test) to compare its measured rate with.
    running.boards.chains.forEach((c, i) => c && out(`chain ${i} done: work ${c.work()} hashes, ${c.stats.nonces} nonces sent`));
    return 0;
  },
};
