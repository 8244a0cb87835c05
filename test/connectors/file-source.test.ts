import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkFileSource,
  fileError,
  fileSourceSchema,
  listDropFolder,
  moveDelivery,
  settledFiles,
} from '../../connectors/file-source.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'koppeling-drop-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const now = Date.now();

async function drop(name: string, minutesAgo: number) {
  const file = path.join(dir, name);
  await writeFile(file, name);
  const t = new Date(now - minutesAgo * 60_000);
  await utimes(file, t, t);
  return file;
}

describe('drop folders', () => {
  it('When files wait in a drop folder, then they are listed oldest first, skipping sub-folders and partial files', async () => {
    await drop('b.csv', 5);
    await drop('a.csv', 10);
    await drop('c.csv', 1);
    await drop('.hidden.csv', 20);
    await drop('upload.csv.part', 30);
    for (const name of ['werknemers.csv.filepart', 'w.xml.crdownload', 'w.csv.download', '~$werknemers.csv'])
      await drop(name, 25);
    // What operating systems and transfer tools leave next to deliveries.
    for (const name of ['desktop.ini', 'Thumbs.db', 'a.csv.done', 'a.csv.md5', 'w.xml.sha256', 'a.csv.ok'])
      await drop(name, 40);
    await mkdir(path.join(dir, 'processed'));
    await writeFile(path.join(dir, 'processed', 'old.csv'), 'x');
    await mkdir(path.join(dir, 'failed'));
    const files = await listDropFolder(dir);
    expect(files.map((f) => f.name)).toEqual(['a.csv', 'b.csv', 'c.csv']);
    expect(files[0]!.path).toBe(path.join(dir, 'a.csv'));
  });

  it('When two files have the same time, then the name decides', async () => {
    await drop('z.csv', 3);
    await drop('m.csv', 3);
    expect((await listDropFolder(dir)).map((f) => f.name)).toEqual(['m.csv', 'z.csv']);
  });

  it('When a delivery is moved, then it lands in processed/ or failed/, never overwriting an earlier one', async () => {
    const a = await drop('a.csv', 1);
    const moved = await moveDelivery(a, 'processed');
    expect(moved).toBe(path.join(dir, 'processed', 'a.csv'));
    const again = await drop('a.csv', 0);
    const second = await moveDelivery(again, 'processed');
    expect(second).not.toBe(moved);
    expect(await readdir(path.join(dir, 'processed'))).toHaveLength(2);
    const b = await drop('b.csv', 1);
    expect(await moveDelivery(b, 'failed')).toBe(path.join(dir, 'failed', 'b.csv'));
    expect(await listDropFolder(dir)).toEqual([]);
  });

  it('When processed/ is a symbolic link, then a delivery is not moved through it and stays', async () => {
    const file = await drop('a.csv', 5);
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'koppeling-elsewhere-'));
    await symlink(elsewhere, path.join(dir, 'processed'));
    try {
      await expect(moveDelivery(file, 'processed')).rejects.toThrow(
        `${path.join(dir, 'processed')} is a symbolic link; deliveries are not moved through it.`,
      );
      expect(await readdir(dir)).toContain('a.csv');
      expect(await readdir(elsewhere)).toEqual([]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('When a file changed within the settle time, then it is left as changing; older files are settled', async () => {
    await drop('old.csv', 2);
    await drop('fresh.csv', 0.5);
    const files = await listDropFolder(dir);
    const { settled, changing } = settledFiles(files, 60, now);
    expect(settled.map((f) => f.name)).toEqual(['old.csv']);
    expect(changing.map((f) => f.name)).toEqual(['fresh.csv']);
    expect(settledFiles(files, 0, now).settled.map((f) => f.name)).toEqual(['old.csv', 'fresh.csv']);
    expect(settledFiles(files, 180, now).settled).toEqual([]);
  });

  it('When the settle time is left out, then it is 60 seconds; a fraction or a negative number is refused', () => {
    expect(fileSourceSchema.parse({ folder: 'in' }).settleSeconds).toBe(60);
    expect(fileSourceSchema.parse({ folder: 'in', settleSeconds: 0 }).settleSeconds).toBe(0);
    expect(fileSourceSchema.safeParse({ folder: 'in', settleSeconds: 1.5 }).success).toBe(false);
    expect(fileSourceSchema.safeParse({ folder: 'in', settleSeconds: -1 }).success).toBe(false);
  });

  it('When the drop folder does not exist, then the error says to check the path', async () => {
    await expect(listDropFolder(path.join(dir, 'nope'))).rejects.toThrow(
      /drop folder .* does not exist: check the path/,
    );
  });

  it('When a file cannot be read for a passing reason, then the error is unavailable (a retry may work), not a bad delivery', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    const passing = fileError(errno('EIO'), '/drop/a.csv', 'delivery file');
    expect(passing).toMatchObject({ code: 'unavailable', status: 503 });
    expect(passing.message).toBe(
      'The delivery file /drop/a.csv could not be read just now (EIO); try again.',
    );
    expect(fileError(errno('EMFILE'), '/drop', 'drop folder').code).toBe('unavailable');
    for (const code of ['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP'])
      expect(fileError(errno(code), '/drop/a.csv', 'delivery file').code, code).toBe('not_found');
    expect(fileError(errno('EACCES'), '/drop/a.csv', 'delivery file').code).toBe('bad_request');
    expect(fileError(errno('EISDIR'), '/drop/a.csv', 'delivery file').code).toBe('bad_request');
  });

  it('When the settings name a file and a folder, then exactly one is required', () => {
    expect(fileSourceSchema.safeParse({ file: 'a.csv' }).success).toBe(true);
    expect(fileSourceSchema.safeParse({ folder: 'in' }).success).toBe(true);
    expect(fileSourceSchema.safeParse({ file: 'a.csv', folder: 'in' }).success).toBe(false);
    expect(fileSourceSchema.safeParse({}).success).toBe(false);
  });

  it('When check looks at a folder, then it counts the waiting files', async () => {
    await drop('a.csv', 1);
    expect(await checkFileSource({ folder: dir })).toEqual({
      ok: true,
      message: `Drop folder ${dir} is readable; 1 file(s) waiting.`,
    });
    expect((await checkFileSource({ file: dir })).ok).toBe(false);
    expect((await checkFileSource({ folder: path.join(dir, 'a.csv') })).ok).toBe(false);
  });
});
