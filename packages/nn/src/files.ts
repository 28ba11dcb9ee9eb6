// File access for the exporters, as io.ts does it: node:fs is reached at call time through
// process.getBuiltinModule, so browsers can still load these modules and use the bytes functions.
import { ValueError } from '@tensorgrad/core';

type Fs = typeof import('node:fs');

function nodeFs(where: string, instead: string): { fs: Fs; pid: number } {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; pid?: number } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as Fs | undefined;
  if (fs === undefined) throw new ValueError(`${where}: needs Node >= 20.16 (process.getBuiltinModule); elsewhere use ${instead}`);
  return { fs, pid: proc?.pid ?? 0 };
}

/** Writes a temporary file beside `path` and renames it, so a crash never leaves half a file. */
export function writeFileAtomic(where: string, instead: string, path: string, bytes: Uint8Array): void {
  const { fs, pid } = nodeFs(where, instead);
  const tmp = `${path}.${pid}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function readFile(where: string, instead: string, path: string): Uint8Array {
  return nodeFs(where, instead).fs.readFileSync(path);
}
