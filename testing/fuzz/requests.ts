/**
 * Generated requests for the fuzz suite, as the bytes that go on the wire
 * (so anything can be sent: malformed request-targets, invalid UTF-8, broken
 * framing), each knowing whether the gateway must refuse it. A request must
 * be refused when any part of it is wrong on purpose: no or a bad token,
 * another user's id, a body that cannot pass validation, a content type that
 * is not JSON, an invalid Idempotency-Key, a target no route has, a broken
 * WebSocket handshake. Requests whose outcome is open (mutated JSON that might
 * happen to validate) are only held to "no 5xx".
 */
import fc from 'fast-check';
import { authArb, bodyArb, contentTypeArb, extraHeadersArb, idempotencyArb, json } from './parts.js';
import { FUZZ_USERS, type TokenPool } from './tokens.js';

export interface FuzzRequest {
  bytes: Buffer;
  /** What it is, for a failure message. */
  label: string;
  /** A 2xx (or 101) would be a bug. */
  mustRefuse: boolean;
}

/** fast-check prints a counterexample with this: the label and the request's head, not a byte array. */
function request(bytes: Buffer, label: string, mustRefuse: boolean): FuzzRequest {
  const head = bytes.subarray(0, 400).toString('latin1');
  return {
    bytes,
    label,
    mustRefuse,
    [fc.toStringMethod]: () => `${label} (${mustRefuse ? 'must refuse' : 'open'}): ${JSON.stringify(head)}${bytes.length > 400 ? '…' : ''}`,
  } as FuzzRequest;
}

function render(method: string, target: string, headers: Array<[string, string | undefined]>, body?: Buffer, connection = 'close'): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', `Connection: ${connection}`];
  for (const [k, v] of headers) if (v !== undefined) lines.push(`${k}: ${v}`);
  if (body) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
}

const PUBLISH = { 'mood-entries': 'mood', activities: 'activity', ikigai: 'ikigai' } as const;

function publishArb(pool: TokenPool): fc.Arbitrary<FuzzRequest> {
  return fc
    .constantFrom(...(Object.keys(PUBLISH) as Array<keyof typeof PUBLISH>))
    .chain((segment) =>
      fc
        .record({ auth: authArb(pool), body: bodyArb(PUBLISH[segment]), ct: contentTypeArb, idem: idempotencyArb, extra: extraHeadersArb, slash: fc.boolean() })
        .map(({ auth, body, ct, idem, extra, slash }) =>
          request(
            render(
              'POST',
              `/api/holistic/${segment}${slash ? '/' : ''}`,
              [['Authorization', auth.header], ['Content-Type', ct.value], ['Idempotency-Key', idem.value], ...extra],
              body.bytes,
            ),
            `POST ${segment}: ${auth.kind}, body ${body.kind}, content-type ${JSON.stringify(ct.value)}, key ${JSON.stringify(idem.value)}`,
            !auth.user || !ct.ok || !idem.ok || body.valid === false,
          ),
        ),
    );
}

function adviceArb(pool: TokenPool): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ auth: authArb(pool), body: bodyArb('advice'), ct: contentTypeArb, extra: extraHeadersArb })
    .map(({ auth, body, ct, extra }) =>
      request(
        render('POST', '/api/guardian/advice', [['Authorization', auth.header], ['Content-Type', ct.value], ...extra], body.bytes),
        `POST advice: ${auth.kind}, body ${body.kind}, content-type ${JSON.stringify(ct.value)}`,
        !auth.user || !ct.ok || body.valid === false,
      ),
    );
}

const idArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<string>(...FUZZ_USERS) },
  { weight: 1, arbitrary: fc.constantFrom('%00', '%ff', '..', '%2e%2e%2f', 'ana%2fbob', 'a'.repeat(300), '%', '%zz', 'ANA', 'ana%20') },
);

function queryArb(pool: TokenPool): fc.Arbitrary<FuzzRequest> {
  const similar = fc.record({
    text: fc.option(fc.string({ maxLength: 50 }), { nil: undefined }),
    k: fc.option(fc.oneof(fc.integer({ min: -5, max: 80 }), fc.constantFrom('x', '1.5', '')), { nil: undefined }),
  });
  return fc
    .record({ auth: authArb(pool), id: idArb, which: fc.constantFrom('context', 'similar'), q: similar, extra: extraHeadersArb })
    .map(({ auth, id, which, q, extra }) => {
      let target = `/api/users/${id}/${which}`;
      let paramsOk = true;
      if (which === 'similar') {
        const params = new URLSearchParams();
        if (q.text !== undefined) params.set('text', q.text);
        if (q.k !== undefined) params.set('k', String(q.k));
        target += `?${params}`;
        const k = q.k === undefined ? 5 : Number(q.k);
        paramsOk = q.text !== undefined && q.text.trim() !== '' && Number.isInteger(k) && k >= 1 && k <= 50;
      }
      return request(
        render('GET', target, [['Authorization', auth.header], ...extra]),
        `GET ${target}: ${auth.kind}`,
        !auth.user || id !== auth.user || !paramsOk,
      );
    });
}

/** Everything without a token: probes, topology, metrics, the (disabled) dev endpoint, wrong methods, unknown and malformed targets. */
function publicArb(pool: TokenPool): fc.Arbitrary<FuzzRequest> {
  const open = fc
    .constantFrom('/healthz', '/readyz', '/metrics', '/topology', '/topology.json', '/topology/stats')
    .map((t) => request(render('GET', t, []), `GET ${t}`, false));
  const dev = fc
    .tuple(fc.jsonValue(), contentTypeArb)
    .map(([v, ct]) => request(render('POST', '/api/dev/token', [['Content-Type', ct.value]], json(v)), 'POST /api/dev/token (off with a real key)', true));
  const wrongMethod = fc
    .tuple(
      fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'FOO'),
      fc.constantFrom('/api/holistic/mood-entries/', '/api/users/ana/context', '/api/guardian/advice', '/ws'),
      authArb(pool),
    )
    .map(([m, t, a]) =>
      request(
        render(
          m,
          t,
          [
            ['Authorization', a.header],
            ['Content-Type', 'application/json'],
          ],
          Buffer.from('{}'),
        ),
        `${m} ${t}`,
        true,
      ),
    );
  const malformed = fc
    .oneof(
      fc.constantFrom(
        '//[',
        '/%',
        '/%zz',
        '/..%2f..%2fetc/passwd',
        '/api/users/ana/context%00',
        '*',
        'http://evil.example/nowhere',
        '/api/%E0%A4%A',
        `/${'a'.repeat(9_000)}`,
        '/\u00e4\u00ff',
        '/api//users//ana//context',
        '/api/users/ana/context/../../dev/token',
      ),
      fc
        .string({ maxLength: 60, unit: fc.integer({ min: 0x21, max: 0xff }).map((c) => String.fromCharCode(c)) })
        .map((s) => `/${s}`)
        .filter((t) => !/^\/(healthz|readyz|metrics|topology|ws)\b/.test(t)),
    )
    .chain((target) =>
      authArb(pool).map((a) => request(render('GET', target, [['Authorization', a.header]]), `GET ${JSON.stringify(target.slice(0, 80))}`, true)),
    );
  const framing = fc
    .constantFrom(
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /api/holistic/mood-entries/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'POST /api/holistic/mood-entries/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n',
      'GET /healthz HTTP/1.1\r\n\r\n',
      'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /healthz\r\n\r\n',
      '\x00\x01\x02\x03\r\n\r\n',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
      'GET /healthz HTTP/1.1\r\nHost: [\r\n\r\n',
    )
    .map((raw) =>
      // Two of them Node serves anyway: a request line without a version (HTTP/0.9 style), and an odd Host.
      request(
        Buffer.from(raw, 'latin1'),
        `framing ${JSON.stringify(raw.slice(0, 60))}`,
        !raw.startsWith('GET /healthz HTTP/1.1\r\nHost: [') && raw !== 'GET /healthz\r\n\r\n',
      ),
    );
  // Absolute-form is legal HTTP/1.1 (RFC 9112 §3.2.2): the host part is ignored, the path served as usual.
  const absolute = authArb(pool).map((a) =>
    request(render('GET', 'http://evil.example/api/users/ana/context', [['Authorization', a.header]]), `GET absolute-form: ${a.kind}`, a.user !== 'ana'),
  );
  return fc.oneof(
    { weight: 3, arbitrary: open },
    { weight: 1, arbitrary: absolute },
    { weight: 1, arbitrary: dev },
    { weight: 1, arbitrary: wrongMethod },
    { weight: 3, arbitrary: malformed },
    { weight: 1, arbitrary: framing },
  );
}

/** WebSocket handshakes on every route, well formed or broken in one place. */
function handshakeArb(pool: TokenPool): fc.Arbitrary<FuzzRequest> {
  const target = fc.constantFrom(
    '/ws',
    '/topology/live',
    '/healthz',
    '/api/users/ana/context',
    '/api/holistic/mood-entries/',
    '/nowhere',
    '//[',
    '*',
    '/ws?since=-1',
    '/ws?since=abc',
    '/ws?user=bob',
  );
  const breakage = fc.constantFrom('none', 'no key', 'bad key', 'version 8', 'no version', 'POST', 'HTTP/1.0', 'bad protocols', 'h2c', 'no Connection');
  return fc.record({ target, breakage, auth: authArb(pool), via: fc.constantFrom('subprotocol', 'query', 'header') }).map(({ target, breakage, auth, via }) => {
    let t = target;
    const headers: Array<[string, string | undefined]> = [
      ['Upgrade', breakage === 'h2c' ? 'h2c' : 'websocket'],
      ['Sec-WebSocket-Version', breakage === 'version 8' ? '8' : breakage === 'no version' ? undefined : '13'],
      ['Sec-WebSocket-Key', breakage === 'no key' ? undefined : breakage === 'bad key' ? 'short==' : 'dGhlIHNhbXBsZSBub25jZQ=='],
    ];
    const token = auth.header ? /^bearer\s+(\S+)\s*$/i.exec(auth.header)?.[1] : undefined;
    if (token && via === 'subprotocol' && !/[\s,]/.test(token))
      headers.push(['Sec-WebSocket-Protocol', breakage === 'bad protocols' ? `aura.v1,,bearer.${token}` : `aura.v1, bearer.${token}`]);
    else if (token && via === 'query' && t.startsWith('/ws')) t += `${t.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
    else headers.push(['Authorization', auth.header]);
    if (breakage === 'bad protocols' && !headers.some(([k]) => k === 'Sec-WebSocket-Protocol')) headers.push(['Sec-WebSocket-Protocol', 'a, a']);
    let bytes = render(breakage === 'POST' ? 'POST' : 'GET', t, headers, undefined, breakage === 'no Connection' ? 'keep-alive' : 'Upgrade');
    if (breakage === 'HTTP/1.0') bytes = Buffer.from(bytes.toString('latin1').replace('HTTP/1.1', 'HTTP/1.0'), 'latin1');
    // `?user=<other>` is refused after the upgrade (close 1008), so a 101 is right there too.
    let allowed = breakage === 'none' && (target === '/topology/live' || ((target === '/ws' || target === '/ws?user=bob') && auth.user !== undefined));
    // Not a WebSocket upgrade at all (another protocol, or no `Connection: Upgrade`): a plain GET of the target.
    if (breakage === 'h2c' || breakage === 'no Connection') allowed = target === '/healthz' || (target === '/api/users/ana/context' && auth.user === 'ana');
    return request(bytes, `handshake ${t.slice(0, 60)} (${breakage}, ${auth.kind} via ${via})`, !allowed);
  });
}

export function requestArb(pool: TokenPool): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 4, arbitrary: publishArb(pool) },
    { weight: 1, arbitrary: adviceArb(pool) },
    { weight: 2, arbitrary: queryArb(pool) },
    { weight: 2, arbitrary: publicArb(pool) },
    { weight: 2, arbitrary: handshakeArb(pool) },
  );
}

/** The failed handshakes of the memory check, in turn: each kind that used to leave something behind, or worse. */
export function failedHandshake(i: number, pool: TokenPool): Buffer {
  const up: Array<[string, string | undefined]> = [
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Version', '13'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
  ];
  const bad = pool.refused[i % pool.refused.length]!.token;
  switch (i % 7) {
    case 0:
      return render('GET', '//[', up, undefined, 'Upgrade'); // ended the process through @hono/node-ws
    case 1:
      return render('GET', '/topology/live', [up[0]!, up[1]!, ['Sec-WebSocket-Key', 'bad']], undefined, 'Upgrade'); // left a waiter behind
    case 2:
      return render('GET', '/topology/live', up, undefined, 'keep-alive'); // not an upgrade for Node: a 200 and a waiter, before
    case 3:
      return render('GET', '/ws', up, undefined, 'Upgrade');
    case 4:
      return render('GET', '/ws', [...up, ['Sec-WebSocket-Protocol', `aura.v1, bearer.${bad.length < 2000 ? bad : 'x'}`]], undefined, 'Upgrade');
    case 5:
      return render('GET', '/ws', [up[0]!, ['Sec-WebSocket-Version', '8'], up[2]!, ['Authorization', `Bearer ${pool.valid.ana}`]], undefined, 'Upgrade');
    default:
      return render('POST', '/topology/live', up, undefined, 'Upgrade');
  }
}
