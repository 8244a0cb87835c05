import { roleMatrixMarkdown, roleMatrixText } from '../domain/role-table.js';
import type { Command } from './command.js';

/** `koppeling roles matrix [--markdown]`: prints the role matrix from the data the code uses. */
export const rolesMatrixCommand: Command = {
  name: ['roles', 'matrix'],
  usage: 'koppeling roles matrix [--markdown]',
  summary: 'Print the role matrix (as a Markdown table with --markdown).',
  options: { markdown: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    io.stdout.write(values.markdown ? roleMatrixMarkdown() : roleMatrixText());
    return 0;
  },
};
