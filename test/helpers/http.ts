import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type express from 'express';
import { afterAll, beforeAll } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { AppContext } from '../../src/api/context.js';
import type { Config } from '../../src/config.js';
import { createTestStore, testVault, type TestStore } from './store.js';

export interface TestServer {
  url: string;
  close(): Promise<void>;
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
    // The body is whatever JSON the route returned; tests assert on its shape.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any; headers: Headers }>;
}

/** Starts the real app on a free port of 127.0.0.1 and returns a small fetch-based client. */
export async function startTestServer(app: express.Express): Promise<TestServer> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      }
      const res = await fetch(url + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}

/**
 * A test store and the real app on it, for the tests of one file: made before them and closed
 * after. `bed.store` and `bed.server` are set once the tests run.
 */
export function appTestBed(config: Config) {
  const bed = { store: undefined as unknown as TestStore, server: undefined as unknown as TestServer };
  beforeAll(async () => {
    bed.store = await createTestStore();
    bed.server = await startTestServer(
      createApp({ config, store: bed.store, vault: testVault(bed.store) } satisfies AppContext),
    );
  });
  afterAll(async () => {
    await bed.server.close();
    await bed.store.close();
  });
  return bed;
}
