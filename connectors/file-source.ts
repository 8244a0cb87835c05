import { constants as fsConstants } from 'node:fs';
import { access, lstat, mkdir, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../src/errors.js';

/**
 * Where a file connector finds its delivery: one fixed `file`, or a drop `folder` whose files are
 * processed oldest first and then moved to `processed/` or `failed/` by the engine.
 * This module is the shared transport of the file connectors: the only place besides their own
 * `transport.ts` that touches the file system.
 */
export const fileSourceShape = {
  file: z.string().trim().min(1).optional().describe('Path of the delivery file'),
  folder: z.string().trim().min(1).optional().describe('Drop folder; files are read oldest first'),
  settleSeconds: z
    .number()
    .int('a whole number of seconds')
    .min(0)
    .max(86_400)
    .default(60)
    .describe('Drop folder: a file is taken once it has not changed for this many seconds'),
};

/** Refinement shared by every file connector's config: exactly one of `file` and `folder`. */
export function exactlyOneFileOrFolder(
  value: { file?: string | undefined; folder?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((value.file === undefined) === (value.folder === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: value.file === undefined ? [] : ['folder'],
      message: 'give either `file` (one delivery file) or `folder` (a drop folder), not both and not neither',
    });
  }
}

export const fileSourceSchema = z.object(fileSourceShape).strict().superRefine(exactlyOneFileOrFolder);
export type FileSource = z.infer<typeof fileSourceSchema>;

/** Sub-folders of a drop folder where the engine moves files after a run. */
export const deliveryOutcomes = ['processed', 'failed'] as const;
export type DeliveryOutcome = (typeof deliveryOutcomes)[number];

export interface DropFile {
  path: string;
  name: string;
  size: number;
  modifiedAt: Date;
}

/**
 * The files waiting in a drop folder, oldest first (by modification time, then name). Skips
 * `processed/`, `failed/`, other sub-folders, hidden files (`.name`, `~name`), partial uploads
 * (`partialUpload`) and files that are no delivery (`notADelivery`).
 */
/**
 * Names uploading tools give a file while it is being written: `.part` (FileZilla, curl, lftp),
 * `.filepart` (WinSCP), `.crdownload` (Chrome), `.download` (Safari), `.partial`, `.tmp`, `.temp`,
 * `.!ut` and `.!qb` (torrent clients), `.upload`. Office lock files start with `~`.
 */
const partialUpload = /\.(part|filepart|partial|crdownload|download|tmp|temp|upload|!ut|!qb)$/i;

/**
 * Files a drop folder holds that are no delivery: what Windows and macOS put in folders
 * (`desktop.ini`, `Thumbs.db`, `Icon\r`), and the markers and checksums transfer tools write next to
 * a delivery (`werknemers.csv.done`, `.ok`, `.ready`, `.md5`, `.sha256`, `.sig`, `.asc`). Taken as
 * deliveries they would fail or trip the guard, and as the oldest file block the ones after them.
 */
const notADelivery =
  /^(desktop\.ini|thumbs\.db|ehthumbs\.db|icon\r)$|\.(done|ok|ready|flag|md5|sha1|sha256|sha512|sig|asc)$/i;

export async function listDropFolder(folder: string): Promise<DropFile[]> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (err) {
    throw fileError(err, folder, 'drop folder');
  }
  const files: DropFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const { name } = entry;
    if (name.startsWith('.') || name.startsWith('~') || partialUpload.test(name) || notADelivery.test(name))
      continue;
    const full = path.join(folder, entry.name);
    const info = await stat(full).catch(() => undefined);
    if (!info) continue; // removed while listing
    files.push({ path: full, name: entry.name, size: info.size, modifiedAt: info.mtime });
  }
  return files.sort(
    (a, b) =>
      a.modifiedAt.getTime() - b.modifiedAt.getTime() || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/**
 * The files of a drop folder listing that have not changed for `settleSeconds`, and those that have
 * (an upload still being written under its final name): a run never takes a file half written, and
 * a file that was moved away while its writer went on would lose what came after.
 */
export function settledFiles(
  files: readonly DropFile[],
  settleSeconds: number,
  now = Date.now(),
): { settled: DropFile[]; changing: DropFile[] } {
  const before = now - settleSeconds * 1000;
  return {
    settled: files.filter((f) => f.modifiedAt.getTime() <= before),
    changing: files.filter((f) => f.modifiedAt.getTime() > before),
  };
}

/**
 * Moves a delivery file into `processed/` or `failed/` next to it (created when missing; never
 * through a symbolic link). A file of the same name already there is not overwritten: the moved
 * file gets a time stamp suffix.
 * Returns the new path.
 */
export async function moveDelivery(file: string, outcome: DeliveryOutcome): Promise<string> {
  const dir = path.join(path.dirname(file), outcome);
  await mkdir(dir, { recursive: true });
  // A delivery is not moved through a symbolic link: someone who can write in the drop folder could
  // otherwise have the service place files anywhere it can write.
  if ((await lstat(dir)).isSymbolicLink())
    throw new AppError('bad_request', `${dir} is a symbolic link; deliveries are not moved through it.`);
  const base = path.basename(file);
  let target = path.join(dir, base);
  if (await exists(target)) {
    const ext = path.extname(base);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    target = path.join(dir, `${base.slice(0, base.length - ext.length)}.${stamp}${ext}`);
  }
  try {
    await rename(file, target);
  } catch (err) {
    throw fileError(err, file, 'delivery file');
  }
  return target;
}

/** The file a connector reads: the one the engine chose (`options.file`) or the configured `file`. */
export function deliveryFile(
  config: { file?: string | undefined; folder?: string | undefined },
  chosen?: string,
): string {
  if (chosen) return chosen;
  if (config.file) return config.file;
  throw new AppError(
    'bad_request',
    `The link reads a drop folder (${config.folder ?? '?'}); pick a file from it with listDropFolder() and pass it as the delivery file.`,
  );
}

/** Cheap check that the configured file or folder can be read. */
export async function checkFileSource(config: {
  file?: string | undefined;
  folder?: string | undefined;
}): Promise<{ ok: boolean; message: string }> {
  const target = config.file ?? config.folder;
  if (!target) return { ok: false, message: 'Neither `file` nor `folder` is set in the link settings.' };
  const kind = config.file ? 'file' : 'folder';
  try {
    const info = await stat(target);
    if (kind === 'file' && !info.isFile()) return { ok: false, message: `${target} is not a file.` };
    if (kind === 'folder' && !info.isDirectory()) return { ok: false, message: `${target} is not a folder.` };
    await access(target, kind === 'folder' ? fsConstants.R_OK | fsConstants.W_OK : fsConstants.R_OK);
  } catch (err) {
    return {
      ok: false,
      message: fileError(err, target, kind === 'file' ? 'delivery file' : 'drop folder').message,
    };
  }
  if (kind === 'folder') {
    const waiting = await listDropFolder(target);
    return { ok: true, message: `Drop folder ${target} is readable; ${waiting.length} file(s) waiting.` };
  }
  return { ok: true, message: `File ${target} is readable.` };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Turns a file system error into an AppError that says what to do. A missing file, a path that
 * cannot name one (a file where a folder should be, a name too long, a loop of links), a folder or
 * no permission stays so until someone acts; any other error (EIO, EMFILE, EBUSY, a file server
 * that went away) is `unavailable`: a run that meets one may be retried, and a drop-folder
 * delivery stays where it is.
 */
export function fileError(err: unknown, target: string, what: string): AppError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'ELOOP')
    return new AppError(
      'not_found',
      `The ${what} ${target} does not exist: check the path in the link settings.`,
      undefined,
      { cause: err },
    );
  const message =
    code === 'EACCES' || code === 'EPERM'
      ? `The ${what} ${target} cannot be read (no permission): give the Koppeling service read access.`
      : code === 'EISDIR'
        ? `${target} is a folder, not a file: set \`folder\` instead of \`file\`, or name a file.`
        : undefined;
  if (message) return new AppError('bad_request', message, undefined, { cause: err });
  return new AppError(
    'unavailable',
    `The ${what} ${target} could not be read just now (${code ?? 'error'}); try again.`,
    undefined,
    { cause: err },
  );
}
