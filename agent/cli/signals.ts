// Resolves on SIGINT/SIGTERM (or after `seconds`, for demos and tests).
export function untilSignal(seconds?: number): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (timer) clearTimeout(timer);
      resolve(why);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const timer = seconds !== undefined ? setTimeout(() => done('timeout'), seconds * 1000) : null;
  });
}
