// run(argv, io): the whole command line in-process, returning the exit code (0 ok, 1 failure, 2 usage error).
import { readFileSync } from 'node:fs';
import { env } from '@tensorgrad/core/util';
import { parseFlags, formatCommandHelp, formatFlags, type CommandSpec } from './args.js';
import { COMMANDS, train, evaluate, predict, type IO } from './commands.js';
import { UsageError, CliError } from './errors.js';

export type { IO } from './commands.js';

const HANDLERS: Record<string, (flags: ReturnType<typeof parseFlags>, io: IO) => Promise<number>> = {
  train, eval: evaluate, predict,
};

function version(): string {
  try {
    // package.json sits one level above both src/ and dist/
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function globalHelp(): string {
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(9)}${c.summary}`).join('\n');
  const flags = COMMANDS.map((c: CommandSpec) => `tensorgrad ${c.name}:\n${formatFlags(c)}`).join('\n\n');
  return (
    'Usage: tensorgrad <command> [flags]\n\n' +
    'Trains dense neural networks on CSV files or the nnfs toy data sets, and evaluates and runs them.\n\n' +
    `Commands:\n${list}\n\n` +
    'Examples:\n' +
    '  tensorgrad train --data spiral --epochs 1000 --out model/\n' +
    '  tensorgrad eval --model model/ --data spiral --seed 1\n' +
    '  tensorgrad train --data houses.csv --task regress --layers 32,32 --out houses/\n' +
    '  tensorgrad predict --model houses/ --data new.csv --output predictions.csv\n\n' +
    'Flags are given as --name value or --name=value. `tensorgrad <command> --help` shows one command.\n\n' +
    `${flags}\n\n` +
    'Exit codes: 0 success, 1 failure (e.g. a missing file or model), 2 bad flags or bad data.\n'
  );
}

/** One line, whatever the message holds. */
const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

export async function run(argv: readonly string[], io: IO): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined) throw new UsageError('no command given (expected train, eval or predict; see tensorgrad --help)');
    if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
      io.stdout(globalHelp());
      return 0;
    }
    if (name === '--version' || name === '-V') {
      io.stdout(`tensorgrad ${version()}\n`);
      return 0;
    }
    const helpFor = name === 'help' ? rest[0] : name;
    const command = COMMANDS.find((c) => c.name === helpFor);
    if (command === undefined) {
      throw new UsageError(`unknown command '${helpFor}' (expected ${COMMANDS.map((c) => c.name).join(', ')}; see tensorgrad --help)`);
    }
    if (name === 'help' || rest.includes('--help') || rest.includes('-h')) {
      io.stdout(formatCommandHelp(command));
      return 0;
    }
    return await HANDLERS[command.name](parseFlags(command, rest), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`tensorgrad: ${oneLine(err.message)}\n`);
      return 2;
    }
    if (err instanceof CliError) {
      io.stderr(`tensorgrad: ${oneLine(err.message)}\n`);
      return 1;
    }
    // Not expected: still one line, with the error's name; the stack only on request.
    const e = err instanceof Error ? err : new Error(String(err));
    io.stderr(`tensorgrad: ${e.name}: ${oneLine(e.message)}\n`);
    if (env('TENSORGRAD_DEBUG')) io.stderr(`${e.stack}\n`);
    return 1;
  }
}
