// Types for scripts/armhf/root.mjs.
export declare class ArmhfRootError extends Error {}
export declare function hostDebianMirror(etc?: string): string;
export declare function ensureArmhfRoot(opts: { packages: string[]; suite?: string; mirror?: string; cacheDir?: string; log?: (line: string) => void }): Promise<string>;
