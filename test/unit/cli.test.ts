import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo as io } from '../helpers/cli.js';

describe('koppeling CLI', () => {
  it('When asked for help, then it lists the commands and exits 0', async () => {
    const t = io();
    const { code } = await main(['--help'], t.io);
    expect(code).toBe(0);
    expect(t.out.join('')).toMatch(/koppeling serve/);
    expect(t.out.join('')).toMatch(/koppeling migrate/);
  });

  it('When the commands are registered, then each name appears once', async () => {
    const { commands } = await import('../../src/cli/commands.js');
    const names = commands.map((c) => c.name.join(' '));
    expect(new Set(names).size).toBe(names.length);
  });

  it('When the command is unknown, then it exits 2 with a usage line', async () => {
    const t = io();
    const { code } = await main(['frobnicate'], t.io);
    expect(code).toBe(2);
    expect(t.err.join('')).toMatch(/unknown command "frobnicate"[\s\S]*Usage:/);
  });

  it('When a flag is unknown, then it exits 2 with the usage of that command', async () => {
    const t = io();
    const { code } = await main(['migrate', '--frob'], t.io);
    expect(code).toBe(2);
    expect(t.err.join('')).toMatch(/--frob[\s\S]*Usage: koppeling migrate/);
  });

  it('When an argument is given to a command that takes none, then it exits 2', async () => {
    const t = io();
    const { code } = await main(['serve', 'extra'], t.io);
    expect(code).toBe(2);
  });

  it('When no command is given, then the help goes to stderr and it exits 2', async () => {
    const t = io();
    const { code } = await main([], t.io);
    expect(code).toBe(2);
    expect(t.err.join('')).toMatch(/Usage: koppeling/);
  });
});
