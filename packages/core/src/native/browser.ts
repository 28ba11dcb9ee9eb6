// The browser bundle's stand-in for addon.ts and backend.ts (scripts/bundle.ts resolves both to this file): a page
// can never load a Node-API addon, so the loader and the native backend are left out of the bundle. The types
// tie each export to the real one.
import type * as addon from './addon.js';
import type * as backend from './backend.js';
import { BackendError } from '../errors.js';

const status: addon.NativeStatus = { loaded: false, path: '', reason: 'not Node.js (a browser): native addons need Node' };

export const native: typeof addon.native = () => null;
export const nativeStatus: typeof addon.nativeStatus = () => status;
export const nativeBackend: typeof backend.nativeBackend = () => {
  throw new BackendError(`the native backend is not in the browser bundle: ${status.reason}`);
};
