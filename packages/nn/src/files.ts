// File access for the savers and loaders: node:fs is reached at call time through process.getBuiltinModule,
// so browsers can still load these modules and use the bytes functions.
import { ValueError } from '@tensorgrad/core';

type Fs = typeof import('node:fs');

/** node:fs, or an error telling `where` needs Node and which bytes-level function (`instead`) works elsewhere. */
export function nodeFs(where: string, instead: string): { fs: Fs; pid: number } {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; pid?: number } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as Fs | undefined;
  if (fs === undefined) throw new ValueError(`${where}: needs Node >= 20.16 (process.getBuiltinModule); elsewhere use ${instead}`);
  return { fs, pid: proc?.pid ?? 0 };
}

/** Writes a temporary file beside `path` and renames it, so a crash never leaves half a file. */
export function writeFileAtomic(where: string, instead: string, path: string, data: Uint8Array | string): void {
  const { fs, pid } = nodeFs(where, instead);
  const tmp = `${path}.${pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, path);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function readFile(where: string, instead: string, path: string): Uint8Array {
  return nodeFs(where, instead).fs.readFileSync(path);
}

/** `dir/name` with one separator between them (both separators work on Windows and POSIX). */
export function joinPath(dir: string, name: string): string {
  return /[\\/]$/.test(dir) ? dir + name : `${dir}/${name}`;
}
