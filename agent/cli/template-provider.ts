import { roleCommand } from './role-runner.js';
import { loadTemplateProviderConfig } from '../config/template-provider.js';
import { runTemplateProvider } from '../roles/template-provider/run.js';

export const templateProvider = roleCommand({
  name: 'template-provider',
  summary: 'run an SV2 Template Provider in front of bitcoind RPC or the embedded chain',
  usage: [
    'hashagent template-provider --config tp.toml [--seconds N]',
    '',
    '  An example with every key and its default: agent/config/examples/tp.toml. Pools connect with',
    '  [template_provider] type = "sv2", address = the listen address and public_key = the key printed',
    '  at start (the public key of authority_secret_key_file). SIGHUP is logged; restart to apply changes.',
  ].join('\n'),
  title: 'template provider',
  load: loadTemplateProviderConfig,
  start: (c, log) => runTemplateProvider(c, log),
  banner: (r) => [`template provider listening: ${r.address}`, `public_key: ${r.publicKey}`],
});
