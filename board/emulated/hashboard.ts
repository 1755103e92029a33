// An emulated machine's hashboards: one EmulatedChain per chain, reached in process (a paced
// linked pair, so baud mismatches turn into garbage as on a wire), over TCP or unix sockets (a
// QEMU chardev, `hashagent emulate --listen`), or behind a socat pty pair (the real serialport path).
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESET_BAUD } from '../../drivers/asic/registers.js';
import { linkedPair } from '../../drivers/transport/in-process-link.js';
import { SocketLink } from '../../drivers/transport/socket-link.js';
import { SerialPortLink } from '../../drivers/transport/serialport-link.js';
import { TransportError, type SerialLink } from '../../drivers/transport/serial-link.js';
import { EmulatedChain, type EmulatedChainOptions } from './chip-chain.js';
import { hostRate } from './host-uart.js';
import { boardChip, emulatedBoard, type EmulatedBoardProfile } from './chain-profiles.js';

export interface HashboardOptions {
  /** Multiplies the nominal hash rate (and the emulator's real hashing) of every chip. */
  hashrateScale?: number;
  tickMs?: number;
  /** The emulated board around chain n (supply, reset, power drawn; see EmulatedChainOptions.board). */
  board?: (n: number) => EmulatedChainOptions['board'];
  /** The board bus behind chain n's I2C-master chip (see EmulatedChainOptions.i2cMaster). */
  i2cMaster?: (n: number) => EmulatedChainOptions['i2cMaster'] | null | undefined;
}

export class EmulatedHashboards {
  readonly chains: (EmulatedChain | null)[];
  private readonly cleanups: (() => void | Promise<void>)[] = [];

  private constructor(
    readonly profile: EmulatedBoardProfile,
    readonly opts: HashboardOptions,
  ) {
    this.chains = Array.from({ length: profile.chains }, () => null);
  }

  /** Attaches chain `i` to the device end of a link. */
  private attach(i: number, link: SerialLink, paceLine: boolean): EmulatedChain {
    this.chains[i]?.close();
    const chain = new EmulatedChain(link, {
      profile: boardChip(this.profile),
      chips: this.profile.chipsPerChain,
      difficultyShift: this.profile.difficultyShift,
      paceLine,
      ...(this.profile.domainSize ? { domainSize: this.profile.domainSize } : {}),
      ...(this.opts.hashrateScale !== undefined ? { hashrateScale: this.opts.hashrateScale } : {}),
      ...(this.opts.tickMs !== undefined ? { tickMs: this.opts.tickMs } : {}),
      ...(this.opts.board?.(i) ? { board: this.opts.board(i)! } : {}),
      ...(this.opts.i2cMaster?.(i) ? { i2cMaster: this.opts.i2cMaster(i)! } : {}),
    });
    this.chains[i] = chain;
    return chain;
  }

  chain(i: number): EmulatedChain {
    const c = this.chains[i];
    if (!c) throw new RangeError(`chain ${i} is not connected`);
    return c;
  }

  /** In process: returns the driver ends of the links, one per chain. */
  static inProcess(board: string | EmulatedBoardProfile, opts: HashboardOptions = {}): { boards: EmulatedHashboards; links: SerialLink[] } {
    const profile = typeof board === 'string' ? emulatedBoard(board) : board;
    const boards = new EmulatedHashboards(profile, opts);
    const links: SerialLink[] = [];
    for (let i = 0; i < profile.chains; i++) {
      const [driverEnd, deviceEnd] = linkedPair(RESET_BAUD, { paced: true, hostRate: (r) => hostRate(profile.hostUart, r) });
      boards.attach(i, deviceEnd, false);
      links.push(driverEnd);
      boards.cleanups.push(() => driverEnd.close());
    }
    return { boards, links };
  }

  /**
   * Listens for the host: `tcp://HOST:PORT` (chain i on PORT + i), `unix:PATH` (PATH.i) or `pty`
   * (a socat pty pair per chain; the host opens the returned device). Returns one address per chain.
   */
  static async listen(board: string | EmulatedBoardProfile, where: string, opts: HashboardOptions = {}): Promise<{ boards: EmulatedHashboards; addresses: string[] }> {
    const profile = typeof board === 'string' ? emulatedBoard(board) : board;
    const boards = new EmulatedHashboards(profile, opts);
    const addresses: string[] = [];
    try {
      for (let i = 0; i < profile.chains; i++) addresses.push(await boards.listenChain(i, where));
    } catch (e) {
      await boards.close();
      throw e;
    }
    return { boards, addresses };
  }

  private async listenChain(i: number, where: string): Promise<string> {
    if (where === 'pty') return this.ptyChain(i);
    const tcp = /^tcp:\/\/(.+):(\d+)$/.exec(where);
    const path = where.startsWith('unix:') ? `${where.slice(5)}${this.profile.chains > 1 ? `.${i}` : ''}` : null;
    if (!tcp && !path) throw new TransportError(`'${where}': expected tcp://HOST:PORT, unix:PATH or pty`);
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      this.attach(i, new SocketLink(socket, RESET_BAUD), true);
    });
    if (path && existsSync(path)) rmSync(path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new TransportError(`cannot listen on ${where}: ${e.message}`)));
      if (tcp) server.listen(Number(tcp[2]) === 0 ? 0 : Number(tcp[2]) + i, tcp[1]!.replace(/^\[|\]$/g, ''), () => resolve());
      else server.listen(path!, () => resolve());
    });
    // close() waits for open connections: end the host's too, or SIGTERM would hang on it.
    this.cleanups.push(() => new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    }));
    if (path) return `unix:${path}`;
    const a = server.address() as net.AddressInfo;
    return `tcp://${tcp![1]}:${a.port}`;
  }

  private async ptyChain(i: number): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'hashagent-emulate-'));
    const device = join(dir, `chain${i}`);
    const host = join(dir, `host${i}`);
    const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${host}`], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) => socat.once('error', (e) => reject(new TransportError(`pty needs socat: ${e.message}`))));
    this.cleanups.push(() => {
      socat.kill();
      rmSync(dir, { recursive: true, force: true });
    });
    for (let t = 0; t < 100 && !(existsSync(device) && existsSync(host)); t++) await Promise.race([new Promise((r) => setTimeout(r, 20)), failed]);
    if (!existsSync(device)) throw new TransportError('socat did not create the pty pair');
    const link = await SerialPortLink.open(device, RESET_BAUD);
    this.attach(i, link, true);
    this.cleanups.push(() => link.close());
    // The /dev/pts/N behind socat's link: what agent.toml accepts as a serial device.
    return realpathSync(host);
  }

  /** Nominal hash rate of everything attached, H/s, at the chips' programmed clocks. */
  nominalHashrate(): number {
    return this.chains.reduce((s, c) => s + (c?.nominalHashrate() ?? 0), 0);
  }

  async close(): Promise<void> {
    for (const c of this.chains) c?.close();
    for (const c of this.cleanups.splice(0).reverse()) await c();
  }
}
