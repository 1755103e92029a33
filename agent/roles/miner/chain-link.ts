// Opens the serial line of a chain as its board definition (or agent.toml) names it: a tty or USB
// serial device, a TCP or unix socket (QEMU chardev, remote emulator), the S9 FPGA's s9io IP
// through UIO (Braiins OS), or a chain of the in-process emulator.
import type { ChainLink } from '../../../board/types.js';
import { RESET_BAUD } from '../../../drivers/asic/registers.js';
import { SerialPortLink } from '../../../drivers/transport/serialport-link.js';
import { SocketLink } from '../../../drivers/transport/socket-link.js';
import { S9ioChainLink } from '../../../drivers/transport/s9io-link.js';
import { TransportError, type SerialLink } from '../../../drivers/transport/serial-link.js';

/** Every chain starts at the chips' reset rate; the driver switches it after init. */
export async function openChainLink(link: ChainLink, emulated: (profile: string, chain: number) => SerialLink): Promise<SerialLink> {
  const baud = RESET_BAUD;
  switch (link.kind) {
    case 'serial':
      return SerialPortLink.open(link.path, baud);
    case 'tcp':
      return SocketLink.connect(`tcp://${link.host}:${link.port}`, baud);
    case 'unix':
      return SocketLink.connect(`unix:${link.path}`, baud);
    case 's9io':
      return S9ioChainLink.open({ connector: link.connector, ...(link.root ? { root: link.root } : {}), ...(link.midstates ? { midstates: link.midstates } : {}) });
    case 'emulated':
      try {
        return emulated(link.profile, link.chain);
      } catch (e) {
        throw new TransportError(`emulated:${link.profile}/${link.chain}: ${(e as Error).message}`);
      }
  }
}
