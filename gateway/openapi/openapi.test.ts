/**
 * The OpenAPI document: committed and current, every `$ref` resolving, every
 * route of the app in it and nothing else, served at `/openapi.json` for the
 * routes this gateway has, rendered by `/docs` in real headless Chromium
 * without anything from the network. That each response of the suite matches
 * it is checked everywhere (contract-setup.ts); check.test.ts shows the check
 * failing when it should.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, staleFiles } from '../../cli/generated-files.js';
import { type Harness, startHarness, TEST_SECRET } from '../../testing/support/gateway-harness.js';
import { openApiDocument } from './document.js';
import { generatedOpenApiFiles, OPENAPI_FILE } from './generated.js';
import { ALL_FEATURES, gatewayOperations } from './operations.js';

// biome-ignore lint/suspicious/noExplicitAny: walking the document by OpenAPI's keys
type Obj = Record<string, any>;

const committed = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, OPENAPI_FILE), 'utf8')) as Obj;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) k === '$ref' && typeof v === 'string' ? out.push(v) : refs(v, out);
  return out;
}

const resolve = (doc: Obj, ref: string): unknown =>
  ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Obj | undefined)?.[key], doc);

const operationsOf = (doc: Obj): Array<[string, string, Obj]> =>
  Object.entries<Obj>(doc.paths).flatMap(([p, item]) => Object.entries<Obj>(item).map(([m, op]): [string, string, Obj] => [p, m, op]));

describe('docs/openapi.json', () => {
  it("is the generator's output (else: node bin/aura.js docs)", () => {
    expect(staleFiles(generatedOpenApiFiles()), 'run `node bin/aura.js docs` and commit the result').toEqual([]);
  });

  it('is reported stale when it differs', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-openapi-'));
    try {
      for (const f of ['pipeline.yaml', OPENAPI_FILE]) {
        fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
        fs.copyFileSync(path.join(REPO_ROOT, f), path.join(root, f));
      }
      expect(staleFiles(generatedOpenApiFiles(root), root)).toEqual([]);
      fs.writeFileSync(path.join(root, OPENAPI_FILE), JSON.stringify({ ...committed, info: { ...committed.info, version: '0.0.1' } }, null, 2));
      expect(staleFiles(generatedOpenApiFiles(root), root)).toEqual([OPENAPI_FILE]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('is OpenAPI 3.1 whose every $ref resolves, with unique operation ids and the bearer scheme', () => {
    expect(committed.openapi).toBe('3.1.0');
    expect(committed.info).toMatchObject({ title: 'aura360 gateway', version: expect.any(String) });
    const all = refs(committed);
    expect(all.length).toBeGreaterThan(40);
    for (const r of all) expect(resolve(committed, r), r).toBeDefined();
    const ids = operationsOf(committed).map(([, , op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(committed.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    // The request bodies are the schemas the routes validate with: the event schemas for publishing.
    expect(committed.paths['/api/holistic/mood-entries/'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/mood-entry',
    });
    expect(committed.components.schemas['mood-entry'].required).toEqual(['score']);
  });

  it('declares the error body, Retry-After where a client must wait, and 401 on every authenticated operation', () => {
    for (const [p, m, op] of operationsOf(committed)) {
      for (const [status, r] of Object.entries<Obj>(op.responses)) {
        if (Number(status) >= 400 && !(p === '/readyz' && status === '503'))
          expect(r.content['application/json'].schema.$ref, `${m} ${p} ${status}`).toBe(`#/components/schemas/Error${status}`);
        if (['409', '429'].includes(status) || (status === '503' && p !== '/readyz'))
          expect(r.headers['Retry-After'].required, `${m} ${p} ${status}`).toBe(true);
      }
      if (op.security.some((s: Obj) => 'bearer' in s)) expect(Object.keys(op.responses), `${m} ${p}`).toContain('401');
      if (!['/healthz', '/readyz'].includes(p)) expect(Object.keys(op.responses), `${m} ${p}`).toContain('429');
    }
    expect(committed.components.schemas.Error503.allOf[1].properties.error.properties.code.enum).toEqual(
      expect.arrayContaining(['TRANSPORT_FAILED', 'NOT_OWNER', 'UNAVAILABLE']),
    );
    expect(committed.paths['/api/holistic/activities/'].post.responses['503'].headers['Retry-After'].required).toBe(true);
  });

  it('requires the operator role on the operator API (or a peer token), and says what each refusal means', () => {
    const ops = operationsOf(committed).filter(([p]) => p.startsWith('/api/ops/'));
    expect(ops.map(([p]) => p).sort()).toEqual(['/api/ops/stores', '/api/ops/stores/{store}', '/api/ops/stores/{store}/{key}']);
    for (const [p, m, op] of ops) {
      expect(op.security, `${m} ${p}`).toEqual([{ bearer: ['operator'] }, { peer: [] }]);
      expect(Object.keys(op.responses), `${m} ${p}`).toEqual(expect.arrayContaining(['200', '400', '401', '403', '429']));
    }
    expect(committed.paths['/api/ops/stores/{store}'].get.responses['503'].headers['Retry-After'].required).toBe(true);
    expect(committed.components.schemas.Error403.allOf[1].properties.error.properties.code.enum).toEqual(['FORBIDDEN']);
    // Elsewhere a bearer token needs no role.
    expect(committed.paths['/api/users/{id}/context'].get.security).toEqual([{ bearer: [] }, { peer: [] }]);
    // A query parameter with a default may be left out.
    const params = (p: string) => Object.fromEntries(committed.paths[p].get.parameters.map((x: Obj) => [x.name, x.required]));
    expect(params('/api/ops/stores/{store}')).toEqual({
      store: true,
      count: false,
      prefix: false,
      limit: false,
      cursor: false,
      partition: false,
      after: false,
    });
    expect(params('/api/users/{id}/similar')).toMatchObject({ text: true, k: false });
  });
});

describe('the served contract', () => {
  let h: Harness;
  let browser: Browser | undefined;
  beforeAll(async () => {
    h = await startHarness({ listen: true, engine: false });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('has every route of the app, and only those', () => {
    const served = h.gateway.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '') || '/'}`);
    const declared = operationsOf(committed).map(([p, m]) => `${m} ${p.replace(/\/$/, '')}`);
    expect([...new Set(served)].sort()).toEqual(declared.sort());
  });

  it('is /openapi.json: the generated document of this gateway', async () => {
    const res = await h.gateway.app.request('/openapi.json');
    expect(res.status).toBe(200);
    const served = (await res.json()) as Obj;
    expect(served).toEqual(committed); // the default pipeline, development tokens on: every route
    const withKey = await startHarness({ engine: false, gateway: { auth: { alg: 'HS256', secret: TEST_SECRET } } });
    try {
      const doc = (await (await withKey.gateway.app.request('/openapi.json')).json()) as Obj;
      expect(doc.paths['/api/dev/token']).toBeUndefined();
      expect(Object.keys(doc.paths).length).toBe(Object.keys(committed.paths).length - 1);
    } finally {
      await withKey.close();
    }
    expect(openApiDocument({ app: 'x', operations: gatewayOperations({ ...ALL_FEATURES, guardian: false, similar: false }) }).paths).not.toHaveProperty([
      '/api/guardian/advice',
    ]);
  });

  it('is rendered by /docs in headless Chromium, every operation and schema, with nothing from the network', async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (r) => void requested.push(r.url()));
    await page.goto(`${h.url}/docs`);
    await page.waitForSelector('#status.ready');
    const ops = await page.$$eval('[data-operation]', (els) => els.map((e) => e.getAttribute('data-operation')));
    expect(ops.sort()).toEqual(
      operationsOf(committed)
        .map(([, , op]) => op.operationId)
        .sort(),
    );
    const schemas = await page.$$eval('[data-schema]', (els) => els.map((e) => e.getAttribute('data-schema')));
    expect(schemas.sort()).toEqual(Object.keys(committed.components.schemas).sort());
    await page.click('[data-operation="ask-guardian"] summary');
    const text = await page.textContent('[data-operation="ask-guardian"]');
    expect(text).toContain('/api/guardian/advice');
    expect(text).toMatch(/504\s*No answer within/);
    // The body's schema is a link to the component, which opens on click and lists the fields.
    await page.click('[data-operation="ask-guardian"] a[href="#schema-AdviceRequest"]');
    expect(await page.$eval('[data-schema="AdviceRequest"]', (e) => (e as unknown as { open: boolean }).open)).toBe(true);
    expect(await page.textContent('[data-schema="AdviceRequest"]')).toMatch(/question: string — minLength: 1, maxLength: 2000/);
    expect(requested.map((u) => new URL(u).pathname).sort()).toEqual(['/docs', '/openapi.json']);
    await page.close();
  }, 60_000);
});
