import { describe, expect, it } from 'vitest';
import { ShareAccounting } from '../../../agent/channels/accounting.js';

describe('ShareAccounting', () => {
  it('counts per user and sums work', () => {
    const a = new ShareAccounting();
    a.accepted('alice', 2.5, false, 1);
    a.accepted('alice', 1.5, true, 2);
    a.rejected('alice', true, 3);
    a.rejected('bob', false, 4);
    expect(a.account('alice')).toEqual({ user: 'alice', accepted: 2, rejected: 0, stale: 1, work: 4, blocks: 1, lastShareAt: 3, firstSeenAt: 1 });
    expect(a.account('bob')!.rejected).toBe(1);
  });
  it('stays bounded, dropping the least recently active', () => {
    const a = new ShareAccounting(3);
    for (const u of ['a', 'b', 'c']) a.accepted(u, 1, false);
    a.accepted('a', 1, false); // a is now the most recent
    a.accepted('d', 1, false);
    expect(a.all().map((x) => x.user).sort()).toEqual(['a', 'c', 'd']);
  });
});
