// @tensorgrad/cli as a library: run the command line in-process, and its parts.
export { run, globalHelp, type IO } from './cli.js';
export { parseFlags, parseDecimal, formatFlags, formatCommandHelp, Flags, type FlagSpec, type CommandSpec, type FlagType, type FlagValue } from './args.js';
export { parseCsv, readCsv, type CsvTable } from './csv.js';
export { UsageError, CsvError, CliError } from './errors.js';
export { COMMANDS, TRAIN, EVAL, PREDICT, METADATA_FILE, loadModel, type TrainingMetadata, type Task } from './commands.js';
