// Common messages (extension 0; spec 03-Protocol-Overview §3.4–3.8, 08-Message-Types).
import { STR0_255, U16, U32, U8 } from '../binary.js';
import { define } from './define.js';

export const SetupConnection = define('SetupConnection', 'common', 0, 0x00, false, [
  ['protocol', U8],
  ['min_version', U16],
  ['max_version', U16],
  ['flags', U32],
  ['endpoint_host', STR0_255],
  ['endpoint_port', U16],
  ['vendor', STR0_255],
  ['hardware_version', STR0_255],
  ['firmware', STR0_255],
  ['device_id', STR0_255],
]);
export const SetupConnectionSuccess = define('SetupConnection.Success', 'common', 0, 0x01, false, [
  ['used_version', U16],
  ['flags', U32],
]);
export const SetupConnectionError = define('SetupConnection.Error', 'common', 0, 0x02, false, [
  ['flags', U32],
  ['error_code', STR0_255],
]);
export const ChannelEndpointChanged = define('ChannelEndpointChanged', 'common', 0, 0x03, true, [['channel_id', U32]]);
export const Reconnect = define('Reconnect', 'common', 0, 0x04, false, [
  ['new_host', STR0_255],
  ['new_port', U16],
]);

/** SetupConnection.protocol values. */
export const Protocol = { Mining: 0, JobDeclaration: 1, TemplateDistribution: 2 } as const;

/** SetupConnection / .Success flag bits (bit 0 = least significant), per protocol. */
export const MiningFlags = {
  RequiresStandardJobs: 1 << 0,
  RequiresWorkSelection: 1 << 1,
  RequiresVersionRolling: 1 << 2,
} as const;
export const MiningSuccessFlags = { RequiresFixedVersion: 1 << 0, RequiresExtendedChannels: 1 << 1 } as const;
export const JobDeclarationFlags = { DeclareTxData: 1 << 0 } as const;
