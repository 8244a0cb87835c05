import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../../src/config.js';
import { commands } from '../../src/cli/commands.js';
import { allRoutes } from '../../src/api/app.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('README stays true', () => {
  it('When a configuration key exists, then the README documents it', () => {
    for (const { env } of Object.values(configKeys)) expect(readme, env).toContain(`\`${env}\``);
  });

  it('When a CLI command exists, then the README documents it', () => {
    for (const command of commands)
      expect(readme, command.usage).toContain(`koppeling ${command.name.join(' ')}`);
  });

  it('When an API route exists, then the README lists it', () => {
    for (const route of allRoutes()) {
      expect(readme, route.path).toContain(`\`${route.method.toUpperCase()} ${route.path}\``);
    }
  });

  it('When the README shows how to start and test, then it names npm start and npm test', () => {
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });
});
