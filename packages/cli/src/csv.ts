// A strict reader for numeric CSV files: every row the same width, every cell a number, errors that name the
// file, the row (the line of the file, counting from 1) and the column (from 1).
import { readFileLimited, FileError } from '@tensorgrad/io';
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

/** Splits one line into trimmed cells; a cell may be double-quoted ("" inside quotes is a quote). */
function splitLine(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let cell = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && !(line[i] === '"' && line[i + 1] !== '"')) {
        cell += line[i];
        i += line[i] === '"' ? 2 : 1;
      }
      i++;
      const end = line.indexOf(',', i);
      i = end < 0 ? line.length : end;
    } else {
      const end = line.indexOf(',', i);
      cell = line.slice(i, end < 0 ? line.length : end).trim();
      i = end < 0 ? line.length : end;
    }
    cells.push(cell);
    if (i >= line.length) return cells;
    i++; // the comma
  }
}

/** The error for one cell, naming its row and column as the user sees them in the file. */
export function cellError(table: Pick<CsvTable, 'name'>, line: number, col: number, message: string): CsvError {
  return new CsvError(`${table.name} row ${line}, column ${col + 1}: ${message}`);
}

/** Parses CSV text. The first row is a header when it holds no number (only names, or empty cells). */
export function parseCsv(text: string, name: string): CsvTable {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let header: string[] | null = null;
  let cols = -1;
  let firstLine = 0;
  const values: number[] = [];
  const rowLines: number[] = [];
  for (let l = 0; l < lines.length; l++) {
    if (lines[l].trim() === '') continue; // blank lines (a trailing newline) are not rows
    const line = l + 1;
    const cells = splitLine(lines[l]);
    if (cols < 0) {
      cols = cells.length;
      firstLine = line;
      // a header has names and no numbers; a first row that mixes them is data with a bad cell
      if (cells.some((c) => c !== '') && cells.every((c) => c === '' || parseDecimal(c) === undefined)) {
        header = cells;
        continue;
      }
    } else if (cells.length !== cols) {
      throw new CsvError(`${name} row ${line}: ${cells.length} column${cells.length === 1 ? '' : 's'}, expected ${cols} (as in row ${firstLine})`);
    }
    for (let c = 0; c < cols; c++) {
      const v = parseDecimal(cells[c]);
      if (v === undefined) {
        throw cellError({ name }, line, c, cells[c] === '' ? 'empty cell, expected a number' : `${JSON.stringify(cells[c])} is not a number`);
      }
      values.push(v);
    }
    rowLines.push(line);
  }
  if (cols < 0) throw new CsvError(`${name}: empty file (no rows)`);
  if (rowLines.length === 0) throw new CsvError(`${name}: no data rows after the header in row ${firstLine}`);
  return { name, header, rows: rowLines.length, cols, data: Float64Array.from(values), lines: Int32Array.from(rowLines) };
}

/** The largest CSV file read (1 GiB): its numbers would take 8 bytes each, several times the text. */
export const MAX_CSV_BYTES = 2 ** 30;

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
