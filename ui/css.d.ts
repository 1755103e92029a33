// esbuild inlines the stylesheets the pages import.
declare module '*.css';
