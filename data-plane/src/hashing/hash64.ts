// xxHash64 (seed 0) over a string's UTF-8 bytes: Envoy's default hash for ring hash and for
// route hash policies. Written from the published algorithm with BigInt arithmetic: a few
// microseconds per short key, paid when a ring is built and once per hashed request.

const MASK = 0xffff_ffff_ffff_ffffn;
const P1 = 0x9e37_79b1_85eb_ca87n;
const P2 = 0xc2b2_ae3d_27d4_eb4fn;
const P3 = 0x1656_67b1_9e37_79f9n;
const P4 = 0x85eb_ca77_c2b2_ae63n;
const P5 = 0x27d4_eb2f_1656_67c5n;

const encoder = new TextEncoder();

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK;
}

function round(acc: bigint, lane: bigint): bigint {
  return (rotl((acc + lane * P2) & MASK, 31n) * P1) & MASK;
}

function merge(acc: bigint, v: bigint): bigint {
  return (((acc ^ round(0n, v)) * P1) & MASK) + P4;
}

function read64(bytes: Uint8Array, at: number): bigint {
  return BigInt(read32(bytes, at)) | (BigInt(read32(bytes, at + 4)) << 32n);
}

function read32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0
  );
}

/** xxHash64 of `input` (a string is hashed as UTF-8), seed 0, as an unsigned 64-bit bigint. */
export function xxHash64(input: string | Uint8Array): bigint {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  const length = bytes.length;
  let at = 0;
  let acc: bigint;
  if (length >= 32) {
    let v1 = (P1 + P2) & MASK;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & MASK;
    for (; at + 32 <= length; at += 32) {
      v1 = round(v1, read64(bytes, at));
      v2 = round(v2, read64(bytes, at + 8));
      v3 = round(v3, read64(bytes, at + 16));
      v4 = round(v4, read64(bytes, at + 24));
    }
    acc = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    acc = merge(acc, v1) & MASK;
    acc = merge(acc, v2) & MASK;
    acc = merge(acc, v3) & MASK;
    acc = merge(acc, v4) & MASK;
  } else {
    acc = P5;
  }
  acc = (acc + BigInt(length)) & MASK;
  for (; at + 8 <= length; at += 8) {
    acc ^= round(0n, read64(bytes, at));
    acc = (rotl(acc, 27n) * P1 + P4) & MASK;
  }
  if (at + 4 <= length) {
    acc ^= (BigInt(read32(bytes, at)) * P1) & MASK;
    acc = (rotl(acc, 23n) * P2 + P3) & MASK;
    at += 4;
  }
  for (; at < length; at++) {
    acc ^= (BigInt(bytes[at] ?? 0) * P5) & MASK;
    acc = (rotl(acc, 11n) * P1) & MASK;
  }
  acc ^= acc >> 33n;
  acc = (acc * P2) & MASK;
  acc ^= acc >> 29n;
  acc = (acc * P3) & MASK;
  acc ^= acc >> 32n;
  return acc;
}

/** A uniformly drawn 64-bit point, from two draws of a [0, 1) random source. */
export function randomHash(random: () => number): bigint {
  const high = BigInt(Math.floor(random() * 0x1_0000_0000));
  const low = BigInt(Math.floor(random() * 0x1_0000_0000));
  return (high << 32n) | low;
}
