import type { Config } from '../config.js';
import type { Store } from '../store/db.js';
import type { Vault } from '../vault/vault.js';

/** What every request handler may use; built once at start-up. */
export interface AppContext {
  config: Config;
  store: Store;
  vault: Vault;
}

/** Who is calling; set by authentication before any route handler runs. */
export type Principal = { kind: 'operator'; tokenId: string };

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    principal?: Principal;
  }
}
