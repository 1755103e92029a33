// Worker threads that sweep nonces of an 80-byte header with native sha256d. Each worker owns
// one lane (its own header, so its own search space) and reports hits and progress.
import { Worker } from 'node:worker_threads';
import { EventEmitter } from 'node:events';

// Self-contained so it runs from the esbuild bundle without a separate file.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
let gen = -1, header = null, target = null, nonce = 0, running = false;
const meets = (h, t) => { for (let i = 31; i >= 0; i--) { if (h[i] !== t[i]) return h[i] < t[i]; } return true; };
function loop() {
  if (header === null) { running = false; return; }
  const g = gen; const found = []; let count = 0; let done = false;
  for (let i = 0; i < 20000; i++) {
    header.writeUInt32LE(nonce, 76);
    if (meets(hash('sha256', hash('sha256', header, 'buffer'), 'buffer'), target)) found.push(nonce);
    count++;
    if (nonce === 0xffffffff) { done = true; break; }
    nonce++;
  }
  parentPort.postMessage({ gen: g, count, found, done });
  if (done) { header = null; running = false; return; }
  setImmediate(loop);
}
parentPort.on('message', (m) => {
  if (m.type === 'work') { gen = m.gen; header = Buffer.from(m.header); target = Buffer.from(m.target); nonce = 0; }
  else if (m.type === 'target') { target = Buffer.from(m.target); }
  else if (m.type === 'idle') { header = null; }
  if (header !== null && !running) { running = true; setImmediate(loop); }
});
`;

export interface HashWorkerEvents {
  /** A nonce of lane `lane`'s header (generation `gen`) meeting the target. */
  found: [lane: number, gen: number, nonce: number];
  /** Lane `lane` swept all 2^32 nonces of generation `gen`. */
  exhausted: [lane: number, gen: number];
  hashes: [count: number];
}

export class HashWorkers extends EventEmitter<HashWorkerEvents> {
  private readonly workers: Worker[];

  constructor(readonly size: number) {
    super();
    this.workers = Array.from({ length: size }, (_, lane) => {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.on('message', (m: { gen: number; count: number; found: number[]; done: boolean }) => {
        this.emit('hashes', m.count);
        for (const n of m.found) this.emit('found', lane, m.gen, n);
        if (m.done) this.emit('exhausted', lane, m.gen);
      });
      w.unref();
      return w;
    });
  }

  assign(lane: number, gen: number, header: Uint8Array, target: Uint8Array): void {
    this.workers[lane]!.postMessage({ type: 'work', gen, header, target });
  }

  setTarget(target: Uint8Array): void {
    for (const w of this.workers) w.postMessage({ type: 'target', target });
  }

  idle(): void {
    for (const w of this.workers) w.postMessage({ type: 'idle' });
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
