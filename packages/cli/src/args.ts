// A small flag parser: each command declares its flags in a table, used both to parse argv and to print --help.
import { inRange, parseDecimal } from '@tensorgrad/core/util';
import { UsageError } from './errors.js';
export { parseDecimal };

export type FlagType = 'string' | 'number' | 'integer' | 'boolean' | 'choice' | 'list';
export type FlagValue = string | number | boolean | number[];

export interface FlagSpec {
  /** The long name, without dashes: 'batch-size'. */
  name: string;
  type: FlagType;
  description: string;
  /** The value used when the flag is not given (none: the flag is optional, or required). */
  default?: FlagValue;
  /** How --help shows the default when it is not a plain value (e.g. it depends on other flags). */
  defaultText?: string;
  required?: boolean;
  /** For 'choice'. */
  choices?: readonly string[];
  /** Inclusive bounds for numbers and list items, unless the matching exclusive flag is set. */
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  /** The placeholder in --help: `--lr <x>`. */
  valueName?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Extra paragraphs for `<command> --help`. */
  details?: string;
  flags: readonly FlagSpec[];
}

/** A plain decimal number: digits with an optional sign, point and exponent (no hex, no Infinity, no empty string). */

/** The parsed flags of one command, with typed getters. */
export class Flags {
  constructor(
    readonly command: string,
    private readonly values: ReadonlyMap<string, FlagValue>,
    private readonly given: ReadonlySet<string>,
  ) {}

  /** True when the flag was on the command line (not just defaulted). */
  has(name: string): boolean {
    return this.given.has(name);
  }

  private get(name: string, type: string): FlagValue | undefined {
    const v = this.values.get(name);
    if (v !== undefined && (type === 'list' ? !Array.isArray(v) : typeof v !== type)) {
      throw new TypeError(`flag --${name} is not a ${type}`); // a bug in a flag table, not a user error
    }
    return v;
  }

  string(name: string): string | undefined {
    return this.get(name, 'string') as string | undefined;
  }
  number(name: string): number | undefined {
    return this.get(name, 'number') as number | undefined;
  }
  bool(name: string): boolean {
    return (this.get(name, 'boolean') as boolean | undefined) ?? false;
  }
  list(name: string): number[] | undefined {
    return this.get(name, 'list') as number[] | undefined;
  }
}

function checkRange(spec: FlagSpec, v: number, raw: string): void {
  if (!inRange(v, spec.min, spec.max, spec.exclusiveMax, spec.exclusiveMin)) throw new UsageError(`--${spec.name}: ${raw} is out of range (${rangeText(spec)})`);
}

function rangeText(spec: FlagSpec): string {
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`${spec.exclusiveMin ? '>' : '>='} ${spec.min}`);
  if (spec.max !== undefined) parts.push(`${spec.exclusiveMax ? '<' : '<='} ${spec.max}`);
  return `must be ${parts.join(' and ')}`;
}

function convert(spec: FlagSpec, raw: string): FlagValue {
  switch (spec.type) {
    case 'string':
      if (raw === '') throw new UsageError(`--${spec.name}: needs a non-empty value`);
      return raw;
    case 'choice':
      if (!spec.choices!.includes(raw)) {
        throw new UsageError(`--${spec.name}: unknown value '${raw}' (expected ${spec.choices!.join(', ')})`);
      }
      return raw;
    case 'number':
    case 'integer': {
      const v = parseDecimal(raw.trim());
      if (v === undefined) throw new UsageError(`--${spec.name}: '${raw}' is not a number`);
      if (spec.type === 'integer' && !Number.isInteger(v)) throw new UsageError(`--${spec.name}: '${raw}' is not an integer`);
      checkRange(spec, v, raw);
      return v;
    }
    case 'list': {
      // comma-separated positive integers; an empty value is an empty list
      if (raw.trim() === '') return [];
      return raw.split(',').map((item) => {
        const v = parseDecimal(item.trim());
        if (v === undefined || !Number.isInteger(v)) {
          throw new UsageError(`--${spec.name}: '${item}' in '${raw}' is not an integer (expected a comma-separated list like 64,64)`);
        }
        checkRange(spec, v, item.trim());
        return v;
      });
    }
    case 'boolean':
      throw new TypeError('boolean flags take no value'); // handled by the caller
  }
}

/**
 * Parses `--name value`, `--name=value` and boolean `--name` against the command's flag table.
 * Throws a UsageError for an unknown or repeated flag, a missing or bad value, a stray argument, or a missing
 * required flag. `--help` / `-h` is not handled here (the caller looks for it first).
 */
export function parseFlags(command: CommandSpec, argv: readonly string[]): Flags {
  const byName = new Map(command.flags.map((f) => [f.name, f]));
  const values = new Map<string, FlagValue>();
  const given = new Set<string>();
  const hint = `(see tensorgrad ${command.name} --help)`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') throw new UsageError(`${command.name}: unexpected argument '${arg}' ${hint}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (spec === undefined) throw new UsageError(`${command.name}: unknown flag --${name} ${hint}`);
    if (given.has(name)) throw new UsageError(`--${name} is given twice`);
    given.add(name);
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value (got '${arg.slice(eq + 1)}')`);
      values.set(name, true);
      continue;
    }
    let raw: string;
    if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else {
      // a following flag is not a value; '-1' is (it is then checked like any number)
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) {
        throw new UsageError(`--${name}: missing value (expected ${placeholder(spec)})`);
      }
      raw = argv[++i];
    }
    values.set(name, convert(spec, raw));
  }
  for (const spec of command.flags) {
    if (values.has(spec.name)) continue;
    if (spec.required) throw new UsageError(`${command.name}: --${spec.name} is required ${hint}`);
    if (spec.default !== undefined) values.set(spec.name, spec.default);
  }
  return new Flags(command.name, values, given);
}

function placeholder(spec: FlagSpec): string {
  if (spec.valueName !== undefined) return `<${spec.valueName}>`;
  if (spec.type === 'choice') return `<${spec.choices!.join('|')}>`;
  return spec.type === 'integer' ? '<n>' : spec.type === 'number' ? '<x>' : spec.type === 'list' ? '<n,n,...>' : '<value>';
}

function defaultText(spec: FlagSpec): string {
  if (spec.required) return 'required';
  if (spec.defaultText !== undefined) return `default: ${spec.defaultText}`;
  if (spec.type === 'boolean') return 'default: off';
  if (spec.default === undefined) return 'optional';
  if (Array.isArray(spec.default)) return `default: ${spec.default.join(',')}`;
  return `default: ${String(spec.default)}`;
}

/** The flag table as --help text: one entry per flag with its placeholder, description and default. */
export function formatFlags(command: CommandSpec): string {
  const heads = command.flags.map((f) => `  --${f.name}${f.type === 'boolean' ? '' : ' ' + placeholder(f)}`);
  // long heads go on a line of their own, so the descriptions stay in one column
  const width = Math.min(Math.max(...heads.map((h) => h.length)) + 2, 30);
  return command.flags
    .map((f, i) => {
      const range = (f.type === 'number' || f.type === 'integer') && (f.min !== undefined || f.max !== undefined) ? `; ${rangeText(f)}` : '';
      const text = `${f.description} (${defaultText(f)}${range})`;
      return heads[i].length + 2 > width ? `${heads[i]}\n${' '.repeat(width)}${text}` : heads[i].padEnd(width) + text;
    })
    .join('\n');
}

export function formatCommandHelp(command: CommandSpec): string {
  const details = command.details === undefined ? '' : `\n${command.details}\n`;
  return `Usage: tensorgrad ${command.name} [flags]\n\n${command.summary}\n${details}\nFlags:\n${formatFlags(command)}\n`;
}
