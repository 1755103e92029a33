import type { Command } from './command.js';
import { UsageError } from './command.js';
import { VERSION } from '../version.js';

export const version: Command = {
  name: 'version',
  summary: 'print the hashagent version',
  usage: 'hashagent version',
  async run(args) {
    if (args.length > 0) throw new UsageError(`version takes no arguments`);
    process.stdout.write(`hashagent ${VERSION} (node ${process.version}, ${process.platform}/${process.arch})\n`);
    return 0;
  },
};
