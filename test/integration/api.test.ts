import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, testConfig, testVault, type TestStore } from '../helpers/store.js';
import { startTestServer, type TestServer } from '../helpers/http.js';
import { createApp } from '../../src/api/app.js';
import { defineRoute } from '../../src/api/route.js';
import { ensureOperatorToken } from '../../src/store/tokens.js';
import { upsertEmployer } from '../../src/store/employers.js';
import { z } from 'zod';

describe('admin API skeleton', () => {
  let store: TestStore;
  let server: TestServer;
  const config = testConfig({ bodyLimit: '1kb' });
  const token = config.adminToken!;

  beforeAll(async () => {
    store = await createTestStore();
    const ctx = { config, store, vault: testVault(store) };
    const { allRoutes } = await import('../../src/api/app.js');
    const failing = defineRoute({
      method: 'post',
      path: '/api/v1/test-failure',
      summary: 'fails',
      tag: 'test',
      access: 'operator',
      body: z.object({ name: z.string() }).strict(),
      responses: { 200: { description: 'never' } },
      handler: async () => {
        throw new Error('relation "secret_table" does not exist at /srv/app.js:12');
      },
    });
    server = await startTestServer(createApp(ctx, [...allRoutes(), failing]));
    await upsertEmployer(store.db, { code: 'acme', name: 'Acme BV' });
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it('When /health is called without a token, then it answers 200', async () => {
    const res = await server.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('When anything answers, then the answer may not be cached and carries no ETag', async () => {
    const res = await server.request('GET', '/health');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('etag')).toBeNull();
  });

  it('When /ready is called, then it reports the store and no pending migrations', async () => {
    const res = await server.request('GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.body.migrations.pending).toBe(0);
  });

  it('When /openapi.json is fetched, then it describes the routes from their schemas', async () => {
    const res = await server.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.paths['/api/v1/employers'].get.responses['200']).toBeTruthy();
    expect(
      res.body.paths['/api/v1/test-failure'].post.requestBody.content['application/json'].schema
        .additionalProperties,
    ).toBe(false);
  });

  it('When an API route is called without or with a wrong token, then it answers 401', async () => {
    expect((await server.request('GET', '/api/v1/employers')).status).toBe(401);
    const wrong = await server.request('GET', '/api/v1/employers', { token: 'not-the-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
    expect((await server.request('GET', '/api/v1/anything-else')).status).toBe(401);
  });

  it('When the operator token is sent, then the route answers', async () => {
    const res = await server.request('GET', '/api/v1/employers', { token });
    expect(res.status).toBe(200);
    expect(res.body.employers.map((e: { code: string }) => e.code)).toContain('acme');
  });

  it('When a generated operator token is used, then it works; once revoked, it does not', async () => {
    const generated = await ensureOperatorToken(store.db, undefined);
    expect(generated).toMatch(/^kop_/);
    expect(await ensureOperatorToken(store.db, undefined)).toBeUndefined();
    expect((await server.request('GET', '/api/v1/employers', { token: generated })).status).toBe(200);
    const rows = await store.db('api_tokens').select('token_hash');
    expect(JSON.stringify(rows)).not.toContain(generated!);
    await store.db('api_tokens').update({ revoked_at: store.db.fn.now() });
    expect((await server.request('GET', '/api/v1/employers', { token: generated })).status).toBe(401);
  });

  it('When a handler fails, then the client gets a generic 500 without stack or SQL', async () => {
    const res = await server.request('POST', '/api/v1/test-failure', { token, body: { name: 'x' } });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'An internal error occurred.' } });
    expect(JSON.stringify(res.body)).not.toMatch(/secret_table|app\.js|at /);
  });

  it('When the body has an unknown field, is not JSON or is too large, then it answers 400/400/413', async () => {
    const unknown = await server.request('POST', '/api/v1/test-failure', {
      token,
      body: { name: 'x', role: 'admin' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].message).toMatch(/unknown field.*role/);
    const broken = await server.request('POST', '/api/v1/test-failure', { token, body: '{"name":' });
    expect(broken.status).toBe(400);
    const large = await server.request('POST', '/api/v1/test-failure', {
      token,
      body: { name: 'x'.repeat(5000) },
    });
    expect(large.status).toBe(413);
  });

  it('When a route does not exist, then the operator gets a JSON 404', async () => {
    const res = await server.request('GET', '/api/v1/nope', { token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('When a response is sent, then helmet headers are set', async () => {
    const res = await server.request('GET', '/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});
