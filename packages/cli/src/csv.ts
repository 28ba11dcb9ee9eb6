// A strict reader for numeric CSV files: every row the same width, every cell a number, errors that name the
// file, the row (the line of the file, counting from 1) and the column (from 1).
import { readFileLimited, FileError, csvRecords, CsvError as IoCsvError, MAX_CSV_BYTES } from '@tensorgrad/io';
import { parseDecimal } from '@tensorgrad/core/util';
import { CsvError, CliError } from './errors.js';

export interface CsvTable {
  /** The file name as the user gave it, for messages. */
  name: string;
  /** The column names, when the first row was a header. */
  header: string[] | null;
  rows: number;
  cols: number;
  /** The cells, row-major, rows * cols. */
  data: Float64Array;
  /** The file line (from 1) of each data row, to name it in later errors. */
  lines: Int32Array;
}

/** The error for one cell, naming its row and column as the user sees them in the file. */
export function cellError(table: Pick<CsvTable, 'name'>, line: number, col: number, message: string): CsvError {
  return new CsvError(`${table.name} row ${line}, column ${col + 1}: ${message}`);
}

/** Parses CSV text (io's records: RFC 4180 quoting, a first row without numbers is a header); every cell must be a number. */
export function parseCsv(text: string, name: string): CsvTable {
  let table: ReturnType<typeof csvRecords>;
  try {
    table = csvRecords(text, {}, name);
  } catch (err) {
    if (err instanceof IoCsvError) throw new CsvError(err.message); // the same message, as a usage error (exit 2)
    throw err;
  }
  const { header, rows, width } = table;
  const data = new Float64Array(rows.length * width);
  rows.forEach(({ line, cells }, r) => {
    cells.forEach((cell, c) => {
      const v = parseDecimal(cell);
      if (v === undefined) throw cellError({ name }, line, c, cell === '' ? 'empty cell, expected a number' : `${JSON.stringify(cell)} is not a number`);
      data[r * width + c] = v;
    });
  });
  return { name, header, rows: rows.length, cols: width, data, lines: Int32Array.from(rows, (r) => r.line) };
}

/** Reads and parses a CSV file (a regular file only: a FIFO or a device is refused, not waited on). A file that cannot be read is not a usage error (exit 1). */
export function readCsv(path: string): CsvTable {
  let text: string;
  try {
    text = new TextDecoder().decode(readFileLimited(path, MAX_CSV_BYTES, 'readCsv'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof FileError && /is a directory/.test(err.message)) throw new CliError(`${path}: is a directory, not a CSV file`);
    throw new CliError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${(err as Error).message})`);
  }
  return parseCsv(text, path);
}
