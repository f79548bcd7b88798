import { describe, expect, it } from 'vitest';
import { murmur2, murmur2String, partitionForKey, toPositive } from './murmur2.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('murmur2 (Kafka default partitioner)', () => {
  it('matches the vectors of Kafka UtilsTest.testMurmur2', () => {
    const cases: Array<[Uint8Array, number]> = [
      [bytes('21'), -973932308],
      [bytes('foobar'), -790332482],
      [bytes('a-little-bit-long-string'), -985981536],
      [bytes('a-little-bit-longer-string'), -1486304829],
      [bytes('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
      [new Uint8Array([0x61, 0x62, 0x63]), 479470107],
    ];
    for (const [data, expected] of cases) expect(murmur2(data)).toBe(expected);
  });

  it('covers every tail length (0..3 trailing bytes)', () => {
    // From Akka's Murmur2Spec, itself checked against Kafka's Utils.murmur2.
    const cases: Array<[string, number]> = [
      ['1', -1993445489],
      ['12', 126087238],
      ['123', -267702483],
      ['1234', -1614185708],
      ['12345', -1188365604],
    ];
    for (const [s, expected] of cases) expect(murmur2String(s)).toBe(expected);
  });

  it('agrees with the Java client (kafka-clients 3.9.1) on hashes and partitions, UTF-8 included', () => {
    // Computed with org.apache.kafka.common.utils.Utils: murmur2(key.getBytes(UTF_8)) and
    // toPositive(murmur2) % n for n = 1, 3, 6, 12, 64.
    const java: Array<[string, number, number[]]> = [
      ['', 275646681, [0, 0, 3, 9, 25]],
      ['a', -1563381124, [0, 1, 4, 4, 60]],
      ['ab', 316155434, [0, 2, 2, 2, 42]],
      ['abcd', -1323649548, [0, 2, 2, 8, 52]],
      ['user-42', 1459644460, [0, 1, 4, 4, 44]],
      ['user-1', 1404122828, [0, 2, 2, 8, 12]],
      ['user-2', -324981792, [0, 2, 2, 8, 32]],
      ['user-3', 1141442267, [0, 2, 5, 11, 27]],
      ['ñandú', -1915788724, [0, 1, 4, 4, 12]],
      ['日本語キー', 1445825182, [0, 1, 4, 10, 30]],
      ['emoji-😀', -1225718728, [0, 1, 4, 4, 56]],
      ['00000000-0000-0000-0000-000000000000', 713427837, [0, 0, 3, 9, 61]],
      ['3f2504e0-4f89-11d3-9a0c-0305e82c3301', 149263511, [0, 2, 5, 11, 23]],
    ];
    const counts = [1, 3, 6, 12, 64];
    for (const [key, hash, partitions] of java) {
      expect(murmur2String(key)).toBe(hash);
      expect(counts.map((n) => partitionForKey(key, n))).toEqual(partitions);
    }
  });

  it('hashes long keys past the reused encode buffer the same as a fresh encoding', () => {
    const long = 'k'.repeat(5000) + 'é'.repeat(300);
    expect(murmur2String(long)).toBe(murmur2(bytes(long)));
    expect(murmur2String('short')).toBe(murmur2(bytes('short')));
  });

  it('toPositive clears the sign bit instead of negating', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
  });
});
