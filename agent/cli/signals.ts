// Resolves on SIGINT/SIGTERM (or after `seconds`, for demos and tests), or when `signal` aborts
// (a process guard has the signals: commands that drive hardware).
export function untilSignal(seconds?: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      resolve(why);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const onAbort = () => done(String((signal?.reason as Error | undefined)?.message ?? 'stop'));
    if (signal) {
      if (signal.aborted) return done('stop');
      signal.addEventListener('abort', onAbort, { once: true });
    } else {
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    }
    const timer = seconds !== undefined ? setTimeout(() => done('timeout'), seconds * 1000) : null;
  });
}
