// Child processes and temporary folders a test starts, stopped and removed by the test itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Sends `signal`, then SIGKILL after `graceMs`; resolves once the process has exited. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

/** A fresh folder under the OS temp folder, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A socat pty pair: two links in a temp folder. `close` stops socat (waiting for its exit) and
 * removes the folder; register it with the test's cleanups.
 */
export async function ptyPair(prefix = 'hashagent-pty-', names: [string, string] = ['a', 'b']): Promise<{ a: string; b: string; close: () => Promise<void> }> {
  const tmp = tempDir(prefix);
  const a = join(tmp.dir, names[0]);
  const b = join(tmp.dir, names[1]);
  const socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  const close = async () => {
    await stopChild(socat);
    tmp.remove();
  };
  for (let i = 0; i < 250 && !(existsSync(a) && existsSync(b)) && socat.exitCode === null; i++) await new Promise((r) => setTimeout(r, 20));
  if (!(existsSync(a) && existsSync(b))) {
    await close();
    throw new Error('socat did not create the pty pair');
  }
  return { a, b, close };
}
