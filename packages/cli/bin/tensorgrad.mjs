#!/usr/bin/env node
// In the repository (src/ present) the TypeScript sources run through tsx, so the command never runs a stale
// build; a published package ships only bin/ and dist/, and runs the build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/main.ts', import.meta.url);
if (existsSync(fileURLToPath(source))) {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
  await import(source.href);
} else {
  await import(new URL('../dist/main.js', import.meta.url).href);
}
