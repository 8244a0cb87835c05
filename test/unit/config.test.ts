import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.js';

const base = { KOPPELING_CONFIG: '' } as NodeJS.ProcessEnv;

describe('configuration', () => {
  it('When nothing is set, then the defaults apply', () => {
    const c = loadConfig({ ...base });
    expect(c.port).toBe(3000);
    expect(c.dataDir.endsWith('data')).toBe(true);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.timezone).toBe('Europe/Amsterdam');
  });

  it('When a value is invalid, then start-up stops with the key, the value and what is allowed', () => {
    expect(() => loadConfig({ ...base, PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, PORT: 'eighty' })).toThrow(/PORT = "eighty"/);
    expect(() => loadConfig({ ...base, LOG_LEVEL: 'loud' })).toThrow(
      /LOG_LEVEL = "loud".*error.*warn.*info.*debug/s,
    );
    expect(() => loadConfig({ ...base, KOPPELING_TIMEZONE: 'Europe/Amsterdm' })).toThrow(
      /KOPPELING_TIMEZONE = "Europe\/Amsterdm".*an IANA time zone/s,
    );
    expect(loadConfig({ ...base, KOPPELING_TIMEZONE: 'Europe/Brussels' }).timezone).toBe('Europe/Brussels');
  });

  it('When the heap growth is set, then 0 or 10-300 percent is accepted and anything else refused', () => {
    expect(loadConfig({ ...base }).heapGrowthPercent).toBe(50);
    expect(loadConfig({ ...base, KOPPELING_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ ...base, KOPPELING_HEAP_GROWTH_PERCENT: '120' }).heapGrowthPercent).toBe(120);
    expect(() => loadConfig({ ...base, KOPPELING_HEAP_GROWTH_PERCENT: '5' })).toThrow(
      /KOPPELING_HEAP_GROWTH_PERCENT = "5".*10 to 300/s,
    );
    expect(() => loadConfig({ ...base, KOPPELING_HEAP_GROWTH_PERCENT: '500' })).toThrow(
      /KOPPELING_HEAP_GROWTH_PERCENT = "500"/,
    );
  });

  it('When source roots are set, then each folder between the commas counts, as an absolute path', () => {
    expect(loadConfig({ ...base }).sourceRoots).toEqual([]);
    expect(
      loadConfig({ ...base, KOPPELING_SOURCE_ROOTS: '/srv/drop, /srv/deliveries/ ,' }).sourceRoots,
    ).toEqual(['/srv/drop', '/srv/deliveries']);
    expect(loadConfig({ ...base, KOPPELING_SOURCE_ROOTS: 'drop' }).sourceRoots).toEqual([
      `${process.cwd()}/drop`,
    ]);
  });

  it('When a secret is invalid, then the message names the key but hides the value', () => {
    let message = '';
    try {
      loadConfig({ ...base, DATABASE_URL: 'mysql://root:pw@host/db' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('DATABASE_URL = (hidden)');
    expect(message).not.toContain('pw@host');
  });

  it('When running in production without vault keys, then start-up is refused', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/KOPPELING_MASTER_KEY/);
  });

  it('When KOPPELING_CONFIG names a missing file, then start-up says so', () => {
    expect(() => loadConfig({ KOPPELING_CONFIG: '/nonexistent/koppeling.yaml' })).toThrow(/does not exist/);
  });

  it('When the configuration file is not valid YAML, then start-up names its line but never quotes it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'koppeling-config-')), 'koppeling.yaml');
    const key = 'c2VjcmV0LW1hc3Rlci1rZXktMzItYnl0ZXMtbG9uZyE=';
    writeFileSync(file, `port: 8080\nmasterKey: "${key}\n  adminToken: x: y\n`);
    let err: unknown;
    try {
      loadConfig({ KOPPELING_CONFIG: file });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(new RegExp(`^${file}:\\d+: not valid YAML: `));
    expect((err as Error).message).not.toContain(key.slice(0, 12));
  });
});
