// Types for scripts/armhf/root.mjs.
export declare class ArmhfRootError extends Error {}
export declare function hostDebianMirror(etc?: string): string;
export declare function ensureArmhfRoot(opts: { packages: string[]; suite?: string; mirror?: string; sources?: string[]; cacheDir?: string; log?: (line: string) => void }): Promise<string>;
/** The .deb files (package_version_arch.deb) a root from ensureArmhfRoot was made from. */
export declare function armhfRootDebs(root: string): string[];
