// Types for scripts/build-native.mjs (imported by the tests).
export declare const TARGETS: Record<string, { cc: string; pkg: string }>;
export declare class NativeBuildError extends Error {}
export declare function napiIncludeDir(env?: NodeJS.ProcessEnv): string;
export declare function buildTarget(target: string, opts?: { include?: string }): string;
