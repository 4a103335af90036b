import { ManualClock, UUID_PATTERN, UuidV7Generator, addMonthsShanghai, pooledRandomBytes, canonicalJson, decodeEvent, formatShanghai, shanghaiDate, uuidV5 } from '../src';

describe('UUIDv7 ids', () => {
  it('are valid version-7 UUIDs that sort in creation order, even within one millisecond', () => {
    const clock = new ManualClock('2024-11-17T15:59:59.000Z');
    const ids = new UuidV7Generator(clock);
    const made = Array.from({ length: 5000 }, (_, i) => {
      if (i % 1000 === 999) clock.advance(1);
      return ids.next();
    });
    made.forEach((id) => expect(id).toMatch(UUID_PATTERN));
    expect(made.every((id) => id[14] === '7')).toBe(true);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('carry the clock time in their first 48 bits', () => {
    const clock = new ManualClock('2024-11-17T15:59:59.123Z');
    const id = new UuidV7Generator(clock).next();
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(clock.now().getTime());
  });

  it('stay ordered when the clock goes backwards', () => {
    const clock = new ManualClock('2024-11-17T16:00:00Z');
    const ids = new UuidV7Generator(clock);
    const a = ids.next();
    clock.advance(-5000);
    expect(ids.next() > a).toBe(true);
  });

  it('draw their random bits from a pool that hands out every byte once, refilling it when it runs short', () => {
    const draw = pooledRandomBytes(64);
    const drawn = Array.from({ length: 12 }, () => draw(16)); // three pools of four draws
    drawn.forEach((b) => expect(b.length).toBe(16));
    expect(new Set(drawn.map((b) => b.toString('hex'))).size).toBe(12);
    expect(draw(100).length).toBe(100); // more than the pool: straight from the CSPRNG
  });

  it('name-based ids are deterministic version-5 UUIDs', () => {
    const ns = '6f1c2a44-9b0e-4c55-8d3e-2a7b61f0c9d1';
    expect(uuidV5(ns, 'programme:SZ-2024-IPSTD')).toBe(uuidV5(ns, 'programme:SZ-2024-IPSTD'));
    expect(uuidV5(ns, 'a')).not.toBe(uuidV5(ns, 'b'));
    expect(uuidV5(ns, 'a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: '苏州' }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"x":"苏州","z":1}]},"b":1}');
  });

  it('is the same for values that differ only in key order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson(() => 1)).toThrow();
  });
});

describe('Asia/Shanghai calendar', () => {
  it('formats the Suzhou 2024 deadline as its wall-clock time', () => {
    expect(formatShanghai('2024-11-17T15:59:59Z')).toBe('2024-11-17 23:59:59');
    expect(shanghaiDate('2024-11-17T16:00:00Z')).toBe('2024-11-18');
  });

  it('adds months as seen in Shanghai, clamping to the end of the month', () => {
    expect(addMonthsShanghai('2024-11-30T16:00:00Z', 3).toISOString()).toBe('2025-02-28T16:00:00.000Z');
    expect(addMonthsShanghai('2024-12-31T15:59:59Z', 24).toISOString()).toBe('2026-12-31T15:59:59.000Z');
  });
});

describe('reading stored events', () => {
  type E = { type: 'Thing'; data: { name: string; count: number } };
  const registry = { Thing: { version: 2, upcast: (data: unknown) => ({ ...(data as object), count: 0 }) } };

  it('upcasts an older schema version to the current shape', () => {
    expect(decodeEvent<E>(registry, 'Thing', 1, { name: 'old' })).toEqual({ type: 'Thing', data: { name: 'old', count: 0 } });
    expect(decodeEvent<E>(registry, 'Thing', 2, { name: 'new', count: 3 })).toEqual({ type: 'Thing', data: { name: 'new', count: 3 } });
  });

  it('refuses unknown types and newer versions than this build knows', () => {
    expect(() => decodeEvent<E>(registry, 'Other', 1, {})).toThrow(/unknown type or newer schema/);
    expect(() => decodeEvent<E>(registry, 'Thing', 3, {})).toThrow(/unknown type or newer schema/);
  });
});

describe('known-answer vectors', () => {
  it('UUIDv5 matches RFC 9562 Appendix A.4 (DNS namespace, "www.example.com")', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('canonical JSON matches the RFC 8785 §3.2.3 example (ordering, numbers, string escapes)', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('canonical JSON sorts keys by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    // Read the order off the text: JavaScript objects list integer-like keys ("1") first whatever the text says.
    const order = [...canonicalJson(input).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => JSON.parse(`"${m[1]}"`));
    expect(order).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });
});
