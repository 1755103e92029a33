// The SHA-256 compression function, unrolled: the source of all 64 rounds is generated once at
// load time, with the working variables renamed per round instead of shifted and the message
// schedule kept in 16 locals. In V8 this runs about twice as fast as the plain loop (measured
// here: ~0.35 µs against ~0.6 µs per block), and miners compress ~45 blocks per work item.
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

export const SHA256_IV = Uint32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

function generate(): (state: Uint32Array, w: Int32Array) => void {
  const rotr = (x: string, n: number) => `((${x}>>>${n})|(${x}<<${32 - n}))`;
  const v = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  let src = 'let a=s[0]|0,b=s[1]|0,c=s[2]|0,d=s[3]|0,e=s[4]|0,f=s[5]|0,g=s[6]|0,h=s[7]|0,t1=0,t2=0,x=0,y=0;\n';
  for (let i = 0; i < 16; i++) src += `let w${i}=w[${i}]|0;\n`;
  for (let i = 0; i < 64; i++) {
    // Round i's (a..h) are the names rotated right by i.
    const [A, B, C, D, E, F, G, H] = v.map((_, j) => v[(j - (i % 8) + 8) % 8]!);
    const wi = `w${i % 16}`;
    if (i >= 16) {
      src += `x=w${(i - 15) % 16};y=w${(i - 2) % 16};`;
      src += `${wi}=(${wi}+(${rotr('x', 7)}^${rotr('x', 18)}^(x>>>3))+w${(i - 7) % 16}+(${rotr('y', 17)}^${rotr('y', 19)}^(y>>>10)))|0;\n`;
    }
    src += `t1=(${H}+(${rotr(E, 6)}^${rotr(E, 11)}^${rotr(E, 25)})+((${E}&${F})^(~${E}&${G}))+${K[i]! | 0}+${wi})|0;`;
    src += `t2=((${rotr(A, 2)}^${rotr(A, 13)}^${rotr(A, 22)})+((${A}&${B})^(${A}&${C})^(${B}&${C})))|0;`;
    src += `${D}=(${D}+t1)|0;${H}=(t1+t2)|0;\n`;
  }
  src += 's[0]+=a;s[1]+=b;s[2]+=c;s[3]+=d;s[4]+=e;s[5]+=f;s[6]+=g;s[7]+=h;';
  return new Function('s', 'w', src) as (state: Uint32Array, w: Int32Array) => void;
}

/** One compression of the 16 big-endian words `w` (as Int32) into `state` (in place). */
export const compressWords: (state: Uint32Array, w: Int32Array) => void = generate();

/** The digest of a final state: its eight words big-endian. */
export function stateBytes(s: Uint32Array, out: Uint8Array = new Uint8Array(32)): Uint8Array {
  for (let i = 0; i < 8; i++) {
    const v = s[i]!;
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = (v >>> 16) & 0xff;
    out[4 * i + 2] = (v >>> 8) & 0xff;
    out[4 * i + 3] = v & 0xff;
  }
  return out;
}
