import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { keyIdOf, parseKey } from './crypto.js';

export interface VaultKeys {
  master: Buffer;
  masterId: string;
  index: Buffer;
}

export interface KeySource {
  masterKey?: string | undefined;
  indexKey?: string | undefined;
  dataDir: string;
}

/**
 * The vault's master and blind-index keys: from configuration, or (outside production) generated once
 * into `<dataDir>/keys.json` with owner-only permissions so a fresh install works.
 */
export function loadVaultKeys(source: KeySource): { keys: VaultKeys; generated: boolean } {
  if (source.masterKey && source.indexKey) {
    const master = parseKey(source.masterKey, 'KOPPELING_MASTER_KEY');
    const index = parseKey(source.indexKey, 'KOPPELING_INDEX_KEY');
    if (master.equals(index)) throw new Error('KOPPELING_INDEX_KEY must differ from KOPPELING_MASTER_KEY.');
    return { keys: { master, masterId: keyIdOf(master), index }, generated: false };
  }
  const file = join(source.dataDir, 'keys.json');
  let generated = false;
  if (!existsSync(file)) {
    mkdirSync(source.dataDir, { recursive: true });
    const content = {
      masterKey: randomBytes(32).toString('base64'),
      indexKey: randomBytes(32).toString('base64'),
    };
    writeFileSync(file, JSON.stringify(content, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    generated = true;
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { masterKey?: string; indexKey?: string };
  const master = parseKey(source.masterKey ?? stored.masterKey ?? '', `masterKey in ${file}`);
  const index = parseKey(source.indexKey ?? stored.indexKey ?? '', `indexKey in ${file}`);
  return { keys: { master, masterId: keyIdOf(master), index }, generated };
}
