import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LineDecoder, Sv1Error, parseConfigureRequest, parseLine, parseNotify, parseReconnect, parseSetDifficulty, parseSubmit, parseSubscribeRequest, parseSubscribeResult,
  prevhashToHeaderBytes, headerBytesToPrevhash,
} from '../../../agent/sv1/index.js';

const params = (line: string) => {
  const m = parseLine(line);
  if (m.kind === 'response') throw new Error('not a call');
  return m.params;
};

describe('SV1 line codec', () => {
  it('splits any chunking, \\r\\n and \\n, skipping empty lines', () => {
    const text = '{"id":1,"method":"a","params":[]}\r\n\n{"id":2,"method":"b","params":[]}\n';
    for (let split = 0; split <= text.length; split++) {
      const d = new LineDecoder();
      const lines = [...d.push(text.slice(0, split)), ...d.push(text.slice(split))];
      expect(lines.map((l) => parseLine(l)).map((m) => (m.kind === 'request' ? m.method : ''))).toEqual(['a', 'b']);
    }
  });
  it('refuses an over-long line without buffering past the limit, then stays failed', () => {
    const d = new LineDecoder(100);
    expect(() => d.push('x'.repeat(101))).toThrow(Sv1Error);
    expect(() => d.push('{}\n')).toThrow(/exceeds/);
  });
  it('counts the limit in bytes, and a character split across chunks decodes whole', () => {
    // 40 × "€" is 40 UTF-16 units but 120 bytes of UTF-8.
    expect(() => new LineDecoder(100).push(`${'€'.repeat(40)}\n`)).toThrow(/120\+ bytes/);
    expect(() => new LineDecoder(100).push(Buffer.from('€'.repeat(40)))).toThrow(Sv1Error);
    const bytes = Buffer.from(`{"id":1,"method":"€","params":[]}\n`);
    for (let split = 0; split <= bytes.length; split++) {
      const d = new LineDecoder(100);
      const lines = [...d.push(bytes.subarray(0, split)), ...d.push(bytes.subarray(split))];
      expect(lines).toEqual(['{"id":1,"method":"€","params":[]}']);
    }
  });
});

// stratum-mining/stratum sv1/src/methods/client_to_server.rs tests
describe('requests as SRI tests send them', () => {
  it('mining.configure: a string min-bit-count is hex, a number is decimal, absent is null, negative is an error', () => {
    const cfg = (bits: string) => parseConfigureRequest(params(`{"id":0,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"1fffffe0"${bits}}]}`));
    expect(cfg(',"version-rolling.min-bit-count":"16"').versionRolling).toEqual({ mask: 0x1fffffe0, minBitCount: 0x16 });
    expect(cfg(',"version-rolling.min-bit-count":16').versionRolling).toEqual({ mask: 0x1fffffe0, minBitCount: 16 });
    expect(cfg('').versionRolling!.minBitCount).toBeNull();
    expect(() => cfg(',"version-rolling.min-bit-count":-1')).toThrow(Sv1Error);
  });
  it('mining.subscribe: odd-length extranonce1 gets a leading zero', () => {
    expect([...parseSubscribeRequest(params('{"id":1,"method":"mining.subscribe","params":["test-agent","abc"]}')).extranonce1!]).toEqual([0x0a, 0xbc]);
    expect([...parseSubscribeRequest(params('{"id":1,"method":"mining.subscribe","params":["test-agent","abcd"]}')).extranonce1!]).toEqual([0xab, 0xcd]);
  });
  it('mining.submit: negative ntime and fractional nonce are errors, not crashes', () => {
    expect(() => parseSubmit(params('{"id":1,"method":"mining.submit","params":["user","1","ab",-1,0]}'))).toThrow(Sv1Error);
    expect(() => parseSubmit(params('{"id":1,"method":"mining.submit","params":["user","1","ab",0,1.5]}'))).toThrow(Sv1Error);
    const s = parseSubmit(params('{"id":"x7","method":"mining.submit","params":["w.1","4d","00000001","68f7c2c0","9e3779b9","00002000"]}'));
    expect(s).toMatchObject({ worker: 'w.1', jobId: '4d', ntime: 0x68f7c2c0, nonce: 0x9e3779b9, versionBits: 0x2000 });
  });
});

describe('responses and notifications as pools send them', () => {
  it('subscribe results: nested subscriptions, a single pair, string sizes', () => {
    expect(parseSubscribeResult([[['mining.set_difficulty', 'a'], ['mining.notify', 'b']], '08000002', 4]).extranonce2Size).toBe(4);
    const single = parseSubscribeResult([['mining.notify', '1'], 'ab', '8']);
    expect(single.subscriptions).toEqual([['mining.notify', '1']]);
    expect(single.extranonce2Size).toBe(8);
    expect(() => parseSubscribeResult([[], 'zz', 4])).toThrow(Sv1Error);
  });
  it('the four error shapes and ckpool reject-reason', () => {
    const err = (l: string) => {
      const m = parseLine(l);
      return m.kind === 'response' ? m.error : 'not a response';
    };
    expect(err('{"id":5,"result":null,"error":[23,"Low difficulty share",null]}')).toEqual({ code: 23, message: 'Low difficulty share' });
    expect(err('{"id":5,"result":null,"error":{"code":21,"message":"Job not found"}}')).toEqual({ code: 21, message: 'Job not found' });
    expect(err('{"id":5,"result":false,"error":"stale"}')).toEqual({ code: null, message: 'stale' });
    expect(err('{"id":5,"result":false,"error":null,"reject-reason":"Above target"}')).toEqual({ code: null, message: 'Above target' });
    expect(err('{"id":5,"result":true,"error":null}')).toBeNull();
  });
  it('mining.notify: numbers as strings, short hex, clean_jobs; prevhash word order', () => {
    const prev = '0123456789abcdef0011223344556677'.repeat(2);
    const n = parseNotify(params(`{"id":null,"method":"mining.notify","params":["1f","${prev}","01","02",[],"20000000","1703a30c","68f7c2c0",true]}`));
    expect(n).toMatchObject({ jobId: '1f', version: 0x20000000, nbits: 0x1703a30c, ntime: 0x68f7c2c0, cleanJobs: true });
    const header = prevhashToHeaderBytes(n.prevhash);
    expect(Buffer.from(header.subarray(0, 8)).toString('hex')).toBe('67452301efcdab89');
    expect(Buffer.from(headerBytesToPrevhash(header)).toString('hex')).toBe(prev);
    expect(() => parseNotify(params('{"id":null,"method":"mining.notify","params":["1","00","01","02",[],"2","1","1",true]}'))).toThrow(/prevhash of 1 bytes/);
  });
  it('difficulty and reconnect are validated', () => {
    expect(parseSetDifficulty([0.5])).toBe(0.5);
    expect(parseSetDifficulty(['1024'])).toBe(1024);
    expect(() => parseSetDifficulty([-1])).toThrow(Sv1Error);
    expect(parseReconnect(['pool.example.com', 3333, 5])).toEqual({ host: 'pool.example.com', port: 3333, waitSeconds: 5 });
    expect(() => parseReconnect(['evil.com/../../x', 3333])).toThrow(Sv1Error);
    expect(() => parseReconnect(['h', 70000])).toThrow(Sv1Error);
  });
});

describe('fuzz', () => {
  it('10,000 random and mutated lines: only Sv1Error', () => {
    const seeds = [
      '{"id":1,"method":"mining.submit","params":["w","1","00","68f7c2c0","00000001"]}',
      '{"id":null,"method":"mining.notify","params":["1","' + '00'.repeat(32) + '","01","02",[],"20000000","1703a30c","68f7c2c0",true]}',
      '{"id":0,"result":[[["mining.notify","1"]],"ab",4],"error":null}',
    ];
    const parsers = [parseNotify, parseSubmit, parseSetDifficulty, parseReconnect, parseConfigureRequest, parseSubscribeRequest];
    // The unmutated seeds must parse: a parser that threw Sv1Error on everything would pass the
    // property below alone, so the accepted lines and fields are counted too.
    expect(parseNotify((parseLine(seeds[1]!) as { params: unknown[] }).params).jobId).toBe('1');
    expect(parseSubmit((parseLine(seeds[0]!) as { params: unknown[] }).params)).toMatchObject({ worker: 'w', jobId: '1' });
    expect(parseSubscribeResult((parseLine(seeds[2]!) as { result: unknown }).result)).toMatchObject({ extranonce2Size: 4 });
    let lines = 0;
    let fields = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom(...seeds).chain((s) => fc.tuple(fc.nat(s.length), fc.string({ maxLength: 5 })).map(([i, x]) => s.slice(0, i) + x + s.slice(i + 1)))), (line) => {
        try {
          const m = parseLine(line);
          lines++;
          if (m.kind !== 'response') for (const p of parsers) {
            try {
              p(m.params);
              fields++;
            } catch (e) {
              if (!(e instanceof Sv1Error)) throw e;
            }
          } else {
            try {
              parseSubscribeResult(m.result);
              fields++;
            } catch (e) {
              if (!(e instanceof Sv1Error)) throw e;
            }
          }
        } catch (e) {
          if (!(e instanceof Sv1Error)) throw e;
        }
      }),
      { numRuns: 10_000 },
    );
    if (process.env.FUZZ_COUNTS) console.log('sv1 fuzz accepted', { lines, fields });
    // Half the runs mutate one character of a seed; about half of those stay valid JSON-RPC.
    expect(lines).toBeGreaterThan(1500);
    expect(fields).toBeGreaterThan(2000);
  });
});
