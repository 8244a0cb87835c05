import type { Command } from './command.js';
import { migrateCommand } from './migrate.js';
import { rolesMatrixCommand } from './roles.js';
import { serveCommand } from './serve.js';
import { createSuperuserCommand, linkUserCommand } from './users.js';

/** Every `koppeling` command; commands added later register here. */
export const commands: Command[] = [
  serveCommand,
  migrateCommand,
  createSuperuserCommand,
  linkUserCommand,
  rolesMatrixCommand,
];
