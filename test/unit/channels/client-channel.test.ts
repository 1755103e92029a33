import { describe, expect, it } from 'vitest';
import { ClientChannel, type ClientJob } from '../../../agent/channels/client-channel.js';

const job = (jobId: number, minNtime: number | null): ClientJob => ({ jobId, version: 0x20000000, merkleRoot: new Uint8Array(32).fill(jobId), extended: null, minNtime });
const prev = (jobId: number, minNtime = 1000) => ({ jobId, prevHash: new Uint8Array(32).fill(9), minNtime, nbits: 0x207fffff });

describe('ClientChannel', () => {
  it('a future job waits for the SetNewPrevHash that names it', () => {
    const ch = new ClientChannel(2, 'standard', 0, new Uint8Array(32), new Uint8Array(20), 0);
    expect(ch.addJob(job(1, null))).toBeNull();
    const w = ch.setPrevHash(prev(1));
    expect(w?.job.jobId).toBe(1);
    expect(w?.ntime).toBe(1000);
  });
  it('a job with min_ntime is active at once on the current prevhash, starting at its ntime', () => {
    const ch = new ClientChannel(2, 'standard', 0, new Uint8Array(32), new Uint8Array(20), 0);
    ch.addJob(job(1, null));
    ch.setPrevHash(prev(1));
    const w = ch.addJob(job(2, 1005));
    expect(w?.job.jobId).toBe(2);
    expect(w?.ntime).toBe(1005);
  });
  it('a new prevhash drops every other job; a prevhash for an unknown job leaves nothing to mine', () => {
    const ch = new ClientChannel(2, 'standard', 0, new Uint8Array(32), new Uint8Array(20), 0);
    ch.addJob(job(1, null));
    ch.addJob(job(2, null));
    ch.setPrevHash(prev(2));
    expect(ch.jobCount).toBe(1);
    expect(ch.setPrevHash(prev(7))).toBeNull();
    expect(ch.active).toBeNull();
  });
  it('takes messages for itself and for its group', () => {
    const ch = new ClientChannel(3, 'extended', 1, new Uint8Array(32), new Uint8Array(4), 8);
    expect(ch.addressedBy(3)).toBe(true);
    expect(ch.addressedBy(1)).toBe(true);
    expect(ch.addressedBy(2)).toBe(false);
    expect(new ClientChannel(3, 'extended', 0, new Uint8Array(32), new Uint8Array(4), 8).addressedBy(0)).toBe(false);
  });
  it('keeps its own copies of job bytes (decoded fields are views of the frame)', () => {
    const ch = new ClientChannel(2, 'standard', 0, new Uint8Array(32), new Uint8Array(20), 0);
    const j = job(1, null);
    ch.addJob(j);
    j.merkleRoot!.fill(0xee);
    expect(ch.setPrevHash(prev(1))!.job.merkleRoot![0]).toBe(1);
  });
});
