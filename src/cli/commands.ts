import type { Command } from './command.js';
import { exportCommand } from './export.js';
import { linksCheckCommand } from './links.js';
import { mappingCheckCommand } from './mapping-check.js';
import { migrateCommand } from './migrate.js';
import { rolesMatrixCommand } from './roles.js';
import { runsCommand, runsShowCommand } from './runs.js';
import { serveCommand } from './serve.js';
import { syncCommand } from './sync.js';
import { createSuperuserCommand, linkUserCommand } from './users.js';

/** Every `koppeling` command; commands added later register here. */
export const commands: Command[] = [
  serveCommand,
  migrateCommand,
  syncCommand,
  runsCommand,
  runsShowCommand,
  exportCommand,
  mappingCheckCommand,
  linksCheckCommand,
  createSuperuserCommand,
  linkUserCommand,
  rolesMatrixCommand,
];
