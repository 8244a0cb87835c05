/**
 * Absence API benchmark on PostgreSQL: 100 concurrent clients post sick reports and recoveries for
 * 10,000 employees through the real app (authentication, role matrix, scope, each report atomic),
 * side by side with a bare express route doing one INSERT (the floor) on the same pool size. Every
 * run starts with 10% extra requests (on extra employees) that are not measured.
 *
 *   npm run bench:api            (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { createApp } from '../../src/api/app.js';
import { Vault } from '../../src/vault/vault.js';
import { keyIdOf } from '../../src/vault/crypto.js';
import { createUser } from '../../src/store/users.js';
import { createSession } from '../../src/store/sessions.js';
import { todayIn } from '../../src/domain/dates.js';
import { loadConfig } from '../../src/config.js';
import { configureLogger } from '../../src/log.js';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const employees = Number(process.env.BENCH_EMPLOYEES ?? 10_000);
const clients = Number(process.env.BENCH_CLIENTS ?? 100);
const poolMax = Number(process.env.BENCH_POOL ?? 20);
// Each run starts with this share of extra requests, not measured: the first burst of all clients at
// once, cold connections and code not yet optimised would otherwise be most of the slowest 1%.
const warmupShare = 0.1;
const warmupEmployees = Math.ceil(employees * warmupShare);

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface Result {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

/**
 * Runs `clients` workers that each take the next job until none are left. The first `warmup` jobs
 * run under the same load but are not measured; latencies of the others are recorded in ms.
 */
async function load(
  name: string,
  warmup: number,
  jobs: number,
  run: (i: number) => Promise<boolean>[] | Promise<boolean>,
): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let started = performance.now();
  const worker = async () => {
    while (next < warmup + jobs) {
      const i = next++;
      if (i === warmup) started = performance.now();
      const t0 = performance.now();
      const ok = await run(i);
      if (i < warmup) continue;
      latencies.push(performance.now() - t0);
      if (ok !== true) errors++;
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { name, requests: latencies.length, errors, seconds, p50: at(0.5), p99: at(0.99) };
}

async function seed(store: Store): Promise<{ employerId: string; ids: string[] }> {
  const db = store.db;
  const [{ id: employerId }] = (await db('employers')
    .insert({ code: 'bench', name: 'Bench BV' })
    .returning('id')) as [{ id: string }];
  const [{ id: dept }] = (await db('departments')
    .insert({ employer_id: employerId, code: 'ALL', name: 'All' })
    .returning('id')) as [{ id: string }];
  await db.raw(
    `insert into employees (employer_id, personnel_number, last_name, first_name)
     select ?, 'P' || g, 'Name' || g, 'First' from generate_series(1, ?) g`,
    [employerId, employees + warmupEmployees],
  );
  await db.raw(
    `insert into employments (employer_id, employee_id, external_id, start_date)
     select employer_id, id, personnel_number, '2020-01-01' from employees where employer_id = ?`,
    [employerId],
  );
  await db.raw(
    `insert into employment_versions (employment_id, valid_from, department_id, contract_type, hours_per_week)
     select id, '2020-01-01', ?, 'O', 40 from employments where employer_id = ?`,
    [dept, employerId],
  );
  const ids = (await db('employees')
    .where({ employer_id: employerId })
    .orderBy('personnel_number')
    .pluck('id')) as string[];
  return { employerId, ids };
}

async function main(): Promise<void> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = openStore({ databaseUrl: url, poolMax: 1 });
  await admin.db.raw(`create schema "${schema}"`);
  await admin.close();
  const store = openStore({ databaseUrl: url, schema, poolMax });
  const servers: Server[] = [];
  try {
    await migrateLatest(store.db);
    const { employerId, ids } = await seed(store);
    const config = { ...loadConfig({}), databasePoolMax: poolMax, logLevel: 'warn' as const };
    // Request lines (info) would measure the terminal, not the service; the floor logs nothing either.
    configureLogger({ level: config.logLevel });
    const userId = await createUser(
      store.db,
      { loginName: 'bench', firstName: 'Bench', lastName: 'User', email: 'bench@example.nl' },
      {
        employerId,
        role: 'superuser',
        scope: { kind: 'employer' },
        validFrom: new Date(Date.now() - 60_000),
      },
    );
    const { token } = await createSession(store.db, userId, { hours: 12, idleMinutes: 60 }, new Date());
    const master = randomBytes(32);
    const vault = new Vault(store.db, { master, masterId: keyIdOf(master), index: randomBytes(32) });
    const api = await listen(createApp({ config, store, vault }));
    servers.push(api.server);

    await store.db.raw(
      'create table bench_floor (id bigserial primary key, employee_id uuid not null, day date not null)',
    );
    const floorApp = express();
    floorApp.use(express.json());
    floorApp.post('/floor', async (req, res) => {
      await store
        .db('bench_floor')
        .insert({ employee_id: (req.body as { employeeId: string }).employeeId, day: '2026-01-01' });
      res.status(201).json({ ok: true });
    });
    const floor = await listen(floorApp);
    servers.push(floor.server);

    const headers = {
      authorization: `Bearer ${token}`,
      'x-employer': 'bench',
      'content-type': 'application/json',
    };
    const today = todayIn(config.timezone);
    const post = async (base: string, path: string, body: unknown): Promise<Response> =>
      fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });

    // Each run starts after a checkpoint, so that a timed checkpoint (a second of flushing on a small
    // machine) is less likely to fall inside one run and not in another. Needs a superuser; without
    // one the runs start as they are.
    const settle = async () => {
      await store.db.raw('checkpoint').catch(() => undefined);
    };
    await settle();
    const floorResult = await load('floor: one INSERT', warmupEmployees * 2, employees * 2, async (i) => {
      const res = await post(floor.base, '/floor', { employeeId: ids[i % ids.length] });
      await res.arrayBuffer();
      return res.status === 201;
    });

    const caseIds: string[] = [];
    // Employees 0 .. warmupEmployees-1 take the warm-up reports; the measured ones follow.
    await settle();
    const sick = await load('sick report', warmupEmployees, employees, async (i) => {
      const res = await post(api.base, `/api/v1/employees/${ids[i]}/absence-cases`, {
        firstSickDay: today,
        percentage: 100,
      });
      const body = (await res.json()) as { caseId?: string };
      if (body.caseId) caseIds[i] = body.caseId;
      return res.status === 201;
    });
    await settle();
    const recovery = await load('recovery', warmupEmployees, employees, async (i) => {
      const res = await post(api.base, `/api/v1/employees/${ids[i]}/absence-cases/${caseIds[i]}/recovery`, {
        lastSickDay: today,
      });
      await res.arrayBuffer();
      return res.status === 200;
    });
    const combined: Result = {
      name: 'absence API (both)',
      requests: sick.requests + recovery.requests,
      errors: sick.errors + recovery.errors,
      seconds: sick.seconds + recovery.seconds,
      p50: Math.max(sick.p50, recovery.p50),
      p99: Math.max(sick.p99, recovery.p99),
    };
    const rows = [floorResult, sick, recovery, combined].map((r) => ({
      run: r.name,
      requests: r.requests,
      errors: r.errors,
      'req/s': Math.round(r.requests / r.seconds),
      'p50 ms': r.p50.toFixed(1),
      'p99 ms': r.p99.toFixed(1),
      'p99 / floor p99': (r.p99 / floorResult.p99).toFixed(2),
    }));
    console.log(`PostgreSQL, ${employees} employees, ${clients} concurrent clients, pool ${poolMax}`);
    console.table(rows);
  } finally {
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
    await store.db.raw(`drop schema "${schema}" cascade`);
    await store.close();
  }
}

await main();
