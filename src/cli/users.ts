import { z } from 'zod';
import { loadConfig } from '../config.js';
import { openRuntime } from '../runtime.js';
import { sendPasswordLink } from '../auth/login.js';
import { mailDir } from '../auth/mailer.js';
import { employerRoles } from '../domain/roles.js';
import { genders } from '../domain/employee.js';
import { findEmployerByCode } from '../store/employers.js';
import { addMembership, createUser, findUserByLogin } from '../store/users.js';
import { UsageError, type Command } from './command.js';

const superuserInput = z.object({
  employer: z.string().min(1, '--employer <code> is required'),
  login: z.string().regex(/^[A-Za-z0-9@._+-]{3,100}$/, '--login: 3 to 100 letters, digits or @ . _ + -'),
  'first-name': z.string().trim().min(1, '--first-name is required'),
  'last-name': z.string().trim().min(1, '--last-name is required'),
  email: z.email('--email must be an e-mail address'),
  gender: z.enum(genders).optional(),
  language: z.enum(['nl', 'en']).default('nl'),
});

function parse<T extends z.ZodType>(schema: T, values: unknown): z.infer<T> {
  const result = schema.safeParse(values);
  if (!result.success) throw new UsageError(result.error.issues.map((i) => i.message).join('; '));
  return result.data;
}

/** `koppeling users create-superuser`: the first (main) account of an employer, created by the arbodienst. */
export const createSuperuserCommand: Command = {
  name: ['users', 'create-superuser'],
  usage:
    'koppeling users create-superuser --employer <code> --login <name> --first-name <n> --last-name <n> --email <e> [--gender M|V|O] [--language nl|en]',
  summary: "Create an employer's first superuser (whole employer); a password link goes out by e-mail.",
  options: {
    employer: { type: 'string' },
    login: { type: 'string' },
    'first-name': { type: 'string' },
    'last-name': { type: 'string' },
    email: { type: 'string' },
    gender: { type: 'string' },
    language: { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const input = parse(superuserInput, values);
    const config = loadConfig(io.env);
    const runtime = await openRuntime(config);
    try {
      const ctx = { config, store: runtime.store, vault: runtime.vault };
      const employer = await findEmployerByCode(ctx.store.db, input.employer);
      if (!employer) throw new UsageError(`no employer with code "${input.employer}"`);
      if (await findUserByLogin(ctx.store.db, input.login)) {
        throw new UsageError(
          `login name "${input.login}" exists; give it a role here with: koppeling users link --login ${input.login} --employer ${input.employer} --role superuser`,
        );
      }
      const userId = await createUser(
        ctx.store.db,
        {
          loginName: input.login,
          firstName: input['first-name'],
          lastName: input['last-name'],
          email: input.email,
          gender: input.gender,
          language: input.language,
        },
        { employerId: employer.id, role: 'superuser', scope: { kind: 'employer' } },
      );
      const user = (await findUserByLogin(ctx.store.db, input.login))!;
      await sendPasswordLink(ctx, user, 'activate', employer.name);
      io.stdout.write(
        `Created superuser ${input.login} (${userId}) at ${employer.code}; the password link went to ${input.email}` +
          (config.smtpUrl ? '.\n' : ` (written to ${mailDir(config)}).\n`),
      );
      return 0;
    } finally {
      await runtime.close();
    }
  },
};

const linkInput = z.object({
  login: z.string().min(1, '--login is required'),
  employer: z.string().min(1, '--employer is required'),
  role: z.enum(employerRoles, `--role must be one of ${employerRoles.join(', ')}`),
});

/** `koppeling users link`: accounts koppelen, one login holding a role at another employer. */
export const linkUserCommand: Command = {
  name: ['users', 'link'],
  usage: 'koppeling users link --login <name> --employer <code> --role <role>',
  summary: 'Give an existing login a role at another employer (whole employer scope).',
  options: { login: { type: 'string' }, employer: { type: 'string' }, role: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const input = parse(linkInput, values);
    const config = loadConfig(io.env);
    const runtime = await openRuntime(config);
    try {
      const db = runtime.store.db;
      const employer = await findEmployerByCode(db, input.employer);
      if (!employer) throw new UsageError(`no employer with code "${input.employer}"`);
      const user = await findUserByLogin(db, input.login);
      if (!user) throw new UsageError(`no login name "${input.login}"`);
      await addMembership(db, user.id, {
        employerId: employer.id,
        role: input.role,
        scope: { kind: 'employer' },
      });
      io.stdout.write(`${input.login} now holds role ${input.role} at ${employer.code}.\n`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
