// The CLI's errors, by exit code. Anything else thrown is reported as an unexpected failure (exit 1).

/** A mistake in how the command was called: a flag, a value, or a data file's contents. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A data file that is not a rectangular table of numbers (or not the data the model needs). Exit code 2. */
export class CsvError extends UsageError {
  override name = 'CsvError';
}

/** A failure that is not the caller's syntax: a missing file or model directory, a model that does not load. Exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}
