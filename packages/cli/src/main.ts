// The `tensorgrad` command's entry: runs argv and sets the exit code (bin/tensorgrad.mjs imports this module).
import { run } from './cli.js';

// `tensorgrad predict ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await run(process.argv.slice(2), {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  isTTY: process.stdout.isTTY === true,
});
