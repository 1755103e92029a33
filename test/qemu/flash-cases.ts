// `hashagent flash` against the running QEMU board: real OpenSSH (the operator's side) talking to
// Debian's dropbear in the guest, the payload streamed with `cat >`, verified with the payload's
// own `hashagent image verify` in the guest, a stand-in stock miner (bmminer's init script)
// stopped and restarted, and the agent mining through the guest's UARTs to the pool on the host.
// One booted guest serves every case, in order (each starts from where the previous one left it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestPool, type TestPool } from '../support/agent-rig.js';
import { tempDir } from '../support/processes.js';
import { CLI } from '../support/cli.js';
import { generateImageKey } from '../../agent/image/manifest.js';
import { bootQemuBoard, freePort, guestAgentToml, guestSshAccess, guestSshRun, haveSsh, IMAGE, startChainEmulator, STOCK_MINER_FILES, type GuestSsh, type QemuBoard } from '../support/qemu-board.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const verbose = !!process.env.HASHAGENT_QEMU_LOG;

function runFlash(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, 'flash', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (d: Buffer) => {
      out += d.toString();
      if (verbose) process.stdout.write(`[flash] ${d}`);
    };
    c.stdout.on('data', take);
    c.stderr.on('data', take);
    c.once('close', (code) => resolve({ code, out }));
  });
}

export function flashOnTheQemuBoard(haveTools: boolean, imageOnce: () => { publicKey: string }): void {
  describe.skipIf(!haveTools || !haveSsh())('hashagent flash onto the QEMU board over SSH', () => {
    const cleanups: (() => unknown)[] = [];
    let pool: TestPool;
    let board: QemuBoard;
    let ssh: GuestSsh;
    let port = 0;
    let publicKey = '';
    let work = '';
    let knownHosts = '';
    const boardKey = generateImageKey();
    const goodToml = () => guestAgentToml(pool);
    // Nothing listens on the host's port 9: the agent connects nowhere and never gets a share.
    const deadToml = () => guestAgentToml(pool).replace(/10\.0\.2\.2:\d+/, '10.0.2.2:9');
    const file = (name: string, text: string) => (writeFileSync(join(work, name), text), join(work, name));
    const common = () => ['--host', `root@127.0.0.1:${port}`, '--identity', ssh.identity, '--known-hosts', knownHosts, '--poll-seconds', '3'];
    const inGuest = async (cmd: string) => (await guestSshRun(ssh, port, cmd)).code;
    const bmminerRunning = async () => (await inGuest('pidof bmminer')) === 0;

    afterAll(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    beforeAll(async () => {
      publicKey = imageOnce().publicKey;
      const tmp = tempDir('hashagent-flash-test-');
      cleanups.push(() => tmp.remove());
      work = tmp.dir;
      knownHosts = join(work, 'known_hosts');
      pool = await startTestPool();
      cleanups.push(() => pool.stop());
      const emu = await startChainEmulator(cleanups);
      ssh = guestSshAccess(cleanups);
      port = await freePort();
      board = await bootQemuBoard({
        chains: emu.chains,
        // No payload in this guest's image (an empty archive): the agent comes with `flash`.
        // The board trusts another image key at first: the device-side refusal case needs it.
        files: { ...ssh.files, ...STOCK_MINER_FILES, 'opt/hashagent/payload.tar.xz': { data: '' }, 'etc/hashagent/image.pub': { data: hex(boardKey.publicKey) + '\n' } },
        forward: { [port]: 22 },
        log: verbose ? (l) => process.stdout.write(l + '\n') : undefined,
      });
      cleanups.push(() => board.stop());
      await board.waitFor(/dropbear on :22/, 5 * 60_000);
      // The "original miner" runs before the flash, as on a stock board.
      expect(await inGuest('/etc/init.d/bmminer start')).toBe(0);
      await board.waitFor(/bmminer: started/, 60_000);
      expect(await bmminerRunning()).toBe(true);
    }, 10 * 60_000);

    it('refuses a board whose host key differs from the pinned one, and sends nothing', async () => {
      const pinned = join(work, 'known_hosts.changed');
      writeFileSync(pinned, ssh.knownHostsLine(port, true));
      const r = await runFlash(['--host', `root@127.0.0.1:${port}`, '--identity', ssh.identity, '--known-hosts', pinned, '--payload', join(IMAGE, 'payload.tar.xz'), '--pubkey', publicKey, '--config', file('good.toml', goodToml())]);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/host key differs from the one pinned/);
      expect(r.out).toMatch(/FAILED/);
      expect(await inGuest('[ -s /opt/hashagent/payload.tar.xz ] || [ -e /opt/hashagent/payload.tar.xz.part ]')).not.toBe(0);
    }, 5 * 60_000);

    it('refuses a broken agent.toml before anything leaves the machine', async () => {
      const r = await runFlash([...common(), '--payload', join(IMAGE, 'payload.tar.xz'), '--pubkey', publicKey, '--config', file('broken.toml', goodToml().replace('http_listen = "0.0.0.0:8080"', 'http_listen = "not an address"'))]);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/broken\.toml:\d+: api\.http_listen/);
      expect(r.out).toMatch(/nothing was sent/);
      expect(existsSync(knownHosts)).toBe(false); // no SSH connection was made
    }, 5 * 60_000);

    it('refuses a payload whose files differ from its signed manifest before upload', async () => {
      const bad = join(work, 'tampered');
      cpSync(join(IMAGE, 'payload'), bad, { recursive: true });
      const js = join(bad, 'app/hashagent.js');
      const b = readFileSync(js);
      b[100] ^= 1;
      writeFileSync(js, b);
      const r = await runFlash([...common(), '--payload', bad, '--pubkey', publicKey, '--config', file('good.toml', goodToml())]);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/refused before upload/);
      expect(r.out).toMatch(/app\/hashagent\.js: SHA-256 differs/);
      expect(existsSync(knownHosts)).toBe(false);
    }, 5 * 60_000);

    it('refuses on the board a payload that does not verify with the key pinned there (the host\'s check passed)', async () => {
      const r = await runFlash([...common(), '--payload', join(IMAGE, 'payload.tar.xz'), '--pubkey', publicKey, '--config', file('good.toml', goodToml()), '--health-minutes', '1']);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/files verified here/);
      expect(r.out).toMatch(/sending the payload/);
      expect(r.out).toMatch(new RegExp(`the board refused the payload: .*signature does not match the public key ${hex(boardKey.publicKey)}`));
      // Nothing was taken over: the stock miner still runs, no agent.
      expect(r.out).not.toMatch(/taking over/);
      expect(await bmminerRunning()).toBe(true);
      expect(await inGuest('[ -e /run/hashagent.new ] || [ -e /run/hashagent.pid ]')).not.toBe(0);
      // The operator pins the image key on the board (as a first flash does on a board without one).
      expect(await inGuest(`echo ${publicKey} > /etc/hashagent/image.pub`)).toBe(0);
      // The host key was pinned on first contact (the host name may be hashed: HashKnownHosts).
      expect(readFileSync(knownHosts, 'utf8')).toContain(ssh.knownHostsLine(port).split(' ').slice(1).join(' '));
    }, 20 * 60_000);

    it('rolls back to the original miner when the agent gets no share within the health window', async () => {
      const r = await runFlash([...common(), '--payload', join(IMAGE, 'payload.tar.xz'), '--pubkey', publicKey, '--config', file('dead.toml', deadToml()), '--health-minutes', '1.5']);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/payload already on the board/); // the same payload is not sent twice
      expect(r.out).toMatch(/verifying on the board/);
      expect(r.out).toMatch(/taking over from bmminer/);
      expect(r.out).toMatch(/rolled back to bmminer/);
      // The stand-in stock miner was stopped for the takeover and runs again; no agent is left.
      expect(board.lines.filter((l) => /bmminer: stopped/.test(l.line)).length).toBe(1);
      expect(board.lines.filter((l) => /bmminer: started/.test(l.line)).length).toBe(2);
      expect(await bmminerRunning()).toBe(true);
      expect(await inGuest('[ -e /run/hashagent ] || [ -e /run/hashagent.pid ] || [ -e /etc/init.d/hashagent ]')).not.toBe(0);
    }, 20 * 60_000);

    it('installs the agent, which takes over from the stock miner and mines through the guest\'s UARTs', async () => {
      const before = pool.pool.shares.accepted.get();
      const r = await runFlash([...common(), '--payload', join(IMAGE, 'payload.tar.xz'), '--pubkey', publicKey, '--config', file('good.toml', goodToml()), '--health-minutes', '12']);
      expect(r.out).toMatch(/payload already on the board/);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/mining \(chains running 3\/3, shares accepted [1-9]/);
      expect(r.out).toMatch(/starts at boot \(\/etc\/rcS\.d\)/);
      expect(pool.pool.shares.accepted.get()).toBeGreaterThan(before);
      expect(await bmminerRunning()).toBe(false);
      const gap = /\s(\d+\.\d+) s\s/.exec(r.out.split('\n').find((l) => l.startsWith(`root@127.0.0.1:${port}`) && /\sok\s/.test(l)) ?? '');
      process.stdout.write(`flash: stock miner stopped → agent started in ${gap?.[1]} s (guest uptime clock)\n`);
      // What the hashboards see: from the stock miner's stop to the agent's first log line and to
      // its first chain up (guest wall clock; the stop is known to the second).
      const stoppedAt = Number(/bmminer: stopped at (\d+)/.exec(board.lines.filter((l) => /bmminer: stopped at/.test(l.line)).at(-1)?.line ?? '')?.[1]);
      // The log is appended to by every start (the rolled-back agent's lines come first).
      const all = (await guestSshRun(ssh, port, 'cat /run/hashagent.log')).stdout.split('\n');
      const log = all.slice(all.findLastIndex((l) => /hashagent: started/.test(l)));
      const at = (re: RegExp) => Date.parse(/^(\S+Z) /.exec(log.find((l) => /^\S+Z /.test(l) && re.test(l)) ?? '')?.[1] ?? '') / 1000 - stoppedAt;
      process.stdout.write(`flash: stock miner stopped → agent's first log line ${at(/./).toFixed(1)} s, first chain enumerated ${at(/chain \d: \d+ ×/).toFixed(1)} s (guest wall clock, ±1 s)\n`);
    }, 20 * 60_000);

    it('comes back after a reboot: the payload unpacked into tmpfs again and the agent started at boot, the stock miner not', async () => {
      // A reboot as the board sees it, without losing the guest (its root is an initramfs, so a
      // real reboot would forget the install): the agent stopped, /run (tmpfs) emptied, then the
      // board's boot scripts run in order.
      expect(await inGuest('[ -L /etc/rcS.d/S99hashagent ] && [ ! -e /etc/rcS.d/S70bmminer ]')).toBe(0);
      expect(await inGuest('/etc/init.d/hashagent stop >/dev/console 2>&1; rm -rf /run/hashagent /run/hashagent.pid')).toBe(0);
      const before = pool.pool.shares.accepted.get();
      const from = board.lines.length;
      expect(await inGuest('/etc/init.d/rcS >/dev/console 2>&1 </dev/null')).toBe(0);
      const since = () => board.lines.slice(from);
      await board.waitFor(/hashagent: payload ready/, 5 * 60_000);
      await board.waitFor(/hashagent: started/, 5 * 60_000);
      expect(since().some((l) => /^verified \d+ files in \/run\/hashagent/.test(l.line))).toBe(true);
      const deadline = Date.now() + 10 * 60_000;
      while (pool.pool.shares.accepted.get() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
      expect(pool.pool.shares.accepted.get()).toBeGreaterThan(before);
      expect(since().some((l) => /bmminer: started/.test(l.line))).toBe(false);
      expect(await bmminerRunning()).toBe(false);
    }, 20 * 60_000);

    it('pushes a config and reloads the agent (SIGHUP)', async () => {
      const r = await runFlash([...common(), '--config', file('good.toml', goodToml())]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/agent reloaded \(SIGHUP\)/);
      expect(await inGuest('kill -0 "$(cat /run/hashagent.pid)"')).toBe(0);
    }, 5 * 60_000);

    it('--restore stops the agent, removes its files and starts the original miner again', async () => {
      const r = await runFlash([...common(), '--restore']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/restored: bmminer running again/);
      expect(await bmminerRunning()).toBe(true);
      expect(await inGuest('[ -e /run/hashagent ] || [ -e /opt/hashagent ] || [ -e /etc/init.d/hashagent ] || [ -e /etc/hashagent ]')).not.toBe(0);
      // The board boots the stock miner again.
      expect(await inGuest('[ -x /etc/rcS.d/S70bmminer ] && [ ! -e /etc/rcS.d/S99hashagent ] && [ ! -L /etc/rcS.d/S99hashagent ]')).toBe(0);
    }, 5 * 60_000);
  });
}
