import type { Command } from './command.js';
import { mappingCheckCommand } from './mapping-check.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';

/** Every `koppeling` command; commands added later register here. */
export const commands: Command[] = [serveCommand, migrateCommand, mappingCheckCommand];
