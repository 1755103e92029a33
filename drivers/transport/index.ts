export * from './serial-link.js';
export * from './serialport-link.js';
export * from './socket-link.js';
export * from './in-process-link.js';
export * from './bus.js';
