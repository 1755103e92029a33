// The Linux hardware watchdog (/dev/watchdog, [safety] watchdog_device): fed by the safety loop
// at every completed poll, so a hung agent — an event loop that never returns, a poll that never
// ends — stops feeding it and the board reboots with its hashboards unpowered. A clean exit
// writes the magic 'V' before closing, which disarms it (drivers built without nowayout); a
// crash or a kill closes it without, and the reboot follows. Writes are synchronous and tiny.
import { closeSync, openSync, writeSync } from 'node:fs';

export class WatchdogError extends Error {
  override readonly name = 'WatchdogError';
}

export class HardwareWatchdog {
  private fd: number | null;
  /** Feeds written since opening (for status and tests). */
  feeds = 0;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Opens (and so arms) the watchdog; a missing or busy device is a WatchdogError naming it. */
  static open(path: string): HardwareWatchdog {
    try {
      return new HardwareWatchdog(path, openSync(path, 'w'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such device (is the watchdog driver loaded?)' : code === 'EBUSY' ? 'already open (another watchdog daemon?)' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw new WatchdogError(`[safety] watchdog_device ${path}: ${why}`);
    }
  }

  /** One feed (any byte but 'V' keeps it armed). */
  feed(): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, 'k');
      this.feeds++;
    } catch {
      // a failing write is a missed feed: the watchdog decides
    }
  }

  /** A clean stop: the magic close, so the board is not rebooted behind the operator's back. */
  close(): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, 'V');
    } catch {
      // nothing to do: the kernel will reboot if the device insists (nowayout)
    }
    closeSync(this.fd);
    this.fd = null;
  }
}
