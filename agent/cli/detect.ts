import type { Command } from './command.js';
import { UsageError, parseArgs } from './command.js';
import { detectBoard, formatReport } from '../../board/detect/detect.js';

export const detect: Command = {
  name: 'detect',
  summary: 'which board this is, which definition fits, what is missing or unverified',
  usage: [
    'hashagent detect [--root DIR] [--json]',
    '',
    '  --root DIR   read /proc, /sys, /dev and /tmp under DIR (a copy of another box, a fixture)',
    '  --json       one JSON object: found, board, because, missing, unverified, alternatives',
    '',
    'Exit status: 0 when a definition fits and nothing it needs is missing, 1 otherwise.',
  ].join('\n'),
  async run(args) {
    const { flags, positional } = parseArgs(args, ['root'], ['json']);
    if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const root = flags.get('root');
    const report = detectBoard(typeof root === 'string' ? root : '/');
    process.stdout.write(flags.has('json') ? JSON.stringify(report) + '\n' : formatReport(report) + '\n');
    return report.board && report.missing.length === 0 ? 0 : 1;
  },
};
