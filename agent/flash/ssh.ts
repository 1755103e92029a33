// One SSH connection per board through the system OpenSSH client: BatchMode (never a password
// prompt), host keys pinned on first contact in a project-managed known_hosts file
// (StrictHostKeyChecking=accept-new: a new host is added, a changed key is refused), and a
// ControlMaster socket so every command and upload reuses the one connection (ssh_config(5)).
import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Target } from './target.js';

export interface SshOptions {
  knownHosts: string;
  identity?: string;
  /** Seconds for the TCP connect and the key exchange. */
  connectTimeout?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The board's host key is not the one pinned for it: nothing is sent. */
export class HostKeyChangedError extends Error {
  override readonly name = 'HostKeyChangedError';
}

/** ssh itself failed (connect, authentication, a dropped connection): exit 255. */
export class SshError extends Error {
  override readonly name = 'SshError';
}

// Output kept per command: probes and health reads are small; a runaway command must not grow memory.
const MAX_OUTPUT = 1 << 20;

/** The quoting a POSIX shell reads back as one word. */
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export class SshSession {
  private control: string;
  private base: string[];

  constructor(readonly target: Target, readonly opts: SshOptions) {
    mkdirSync(dirname(opts.knownHosts), { recursive: true });
    // The control socket's path must stay short (sun_path, 108 bytes): a private folder in tmp.
    this.control = mkdtempSync(join(tmpdir(), 'ha-ssh-'));
    this.base = this.args();
  }

  private args(): string[] {
    const { opts, target } = this;
    return [
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=accept-new',
      '-o', `UserKnownHostsFile=${opts.knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', `ControlPath=${join(this.control, 'c')}`,
      '-o', `ConnectTimeout=${opts.connectTimeout ?? 20}`,
      // A slow board link stalls for a while under TCP backoff; five minutes of silence end it.
      '-o', 'ServerAliveInterval=15',
      '-o', 'ServerAliveCountMax=20',
      '-o', 'LogLevel=ERROR',
      ...(opts.identity ? ['-o', 'IdentitiesOnly=yes', '-i', opts.identity] : []),
      '-p', String(target.port),
      '-l', target.user,
    ];
  }

  /**
   * Opens the master connection (`ssh -f -N -M`): authentication and the host-key check happen
   * here once; every later command rides on it. -f backgrounds ssh after authentication, so the
   * parent's exit (not its pipes, which the master keeps) says how it went.
   */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('ssh', [...this.base, '-o', 'ControlMaster=yes', '-o', 'ControlPersist=yes', '-f', '-N', this.target.host], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-MAX_OUTPUT)));
      child.once('error', (e) => reject(new SshError(`cannot run ssh: ${e.message}`)));
      child.once('exit', (code) => {
        // The backgrounded master holds the pipe: read what came, then let go of it.
        setTimeout(() => {
          child.stderr.destroy();
          const err = this.failure(code, stderr);
          if (err) reject(err);
          else resolve();
        }, 50);
      });
    });
  }

  private failure(code: number | null, stderr: string): Error | null {
    if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(stderr)) {
      return new HostKeyChangedError(`${this.target.label}: the host key differs from the one pinned in ${this.opts.knownHosts}; refusing to connect (if the board was reinstalled, remove its line from that file)`);
    }
    if (code === 255 || code === null) return new SshError(`${this.target.label}: ssh failed: ${stderr.trim().split('\n').slice(-3).join(' ') || `exit ${code}`}`);
    return null;
  }

  /** Runs `script` with the board's /bin/sh; `input` (a file path or a string) goes to its stdin. */
  run(script: string, input?: { file: string; start?: number } | { text: string }): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('ssh', [...this.base, '-o', 'ControlMaster=no', this.target.host, script], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-MAX_OUTPUT)));
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-MAX_OUTPUT)));
      child.once('error', (e) => reject(new SshError(`cannot run ssh: ${e.message}`)));
      child.stdin.on('error', () => {}); // the far end may close early; its exit status says why
      if (input && 'file' in input) createReadStream(input.file, { start: input.start ?? 0 }).pipe(child.stdin);
      else child.stdin.end(input?.text ?? '');
      child.once('close', (code) => {
        const err = code === 255 ? this.failure(code, stderr) : null;
        if (err) return reject(err);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  /** Like run, but a non-zero exit is an error carrying the command's own message. */
  async must(script: string, what: string, input?: { file: string; start?: number } | { text: string }): Promise<string> {
    const r = await this.run(script, input);
    if (r.code !== 0) throw new RemoteError(`${what} failed (exit ${r.code}): ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join(' | ')}`);
    return r.stdout;
  }

  /**
   * Streams a local file to `remote` over the channel with `cat >` (boards without scp/sftp), then
   * renames it into place. A dropped connection resumes where the board's partial file ends.
   */
  async upload(file: string, remote: string, mode = '644', attempts = 3): Promise<void> {
    const tmp = `${remote}.part`;
    await this.must(`mkdir -p ${shq(dirname(remote))} && : > ${shq(tmp)}`, `upload of ${remote}`);
    for (let i = 1; ; i++) {
      try {
        const have = Number((await this.must(`wc -c < ${shq(tmp)}`, `upload of ${remote}`)).trim());
        await this.must(`cat >> ${shq(tmp)}`, `upload of ${remote}`, { file, start: have });
        break;
      } catch (e) {
        if (!(e instanceof SshError) || i >= attempts) throw e;
        await this.close(); // the master may be gone with the connection: a new one
        this.control = mkdtempSync(join(tmpdir(), 'ha-ssh-'));
        this.base = this.args();
        await this.open();
      }
    }
    await this.must(`chmod ${mode} ${shq(tmp)} && mv -f ${shq(tmp)} ${shq(remote)}`, `upload of ${remote}`);
  }

  async writeText(text: string, remote: string, mode = '644'): Promise<void> {
    const tmp = `${remote}.part`;
    await this.must(`mkdir -p ${shq(dirname(remote))} && cat > ${shq(tmp)} && chmod ${mode} ${shq(tmp)} && mv -f ${shq(tmp)} ${shq(remote)}`, `writing ${remote}`, { text });
  }

  /** Ends the master connection and removes the socket folder. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const c = spawn('ssh', [...this.base, '-O', 'exit', this.target.host], { stdio: 'ignore' });
      c.once('error', () => resolve());
      c.once('close', () => resolve());
    });
    rmSync(this.control, { recursive: true, force: true });
  }
}

/** A command on the board failed. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
}
