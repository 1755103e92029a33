// Injected by the esbuild bundle (scripts/build.mjs); read from package.json when run from source.
declare const __HASHAGENT_VERSION__: string | undefined;
export const VERSION: string = typeof __HASHAGENT_VERSION__ === 'string' ? __HASHAGENT_VERSION__ : '0.0.0-dev';
