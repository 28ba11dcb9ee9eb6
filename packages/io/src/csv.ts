// CSV text (RFC 4180) into tensors: features X and, optionally, labels y. Every error names the row (the line of
// the file where the record starts, from 1) and the column (from 1), as an editor shows them.
import { type DType, type Tensor, tensor, ValueError } from '@tensorgrad/core';
import { parseDecimal, show } from '@tensorgrad/core/util';

/** CSV text that cannot be read as asked: a bad number, a ragged row, an unclosed quote, an unknown column. */
export class CsvError extends ValueError {}

export interface CsvOptions {
  /** Whether the first row names the columns; 'auto' (the default): it does when none of its cells is a number. */
  header?: boolean | 'auto';
  /** The one character between cells (default ','). */
  delimiter?: string;
  /** The feature columns, by header name or 0-based index (default: every column but the label). */
  columns?: readonly (string | number)[];
  /** The label column, by header name or 0-based index (default: none, y is null). */
  labelColumn?: string | number;
  /** The features' dtype (default 'float32'); a value beyond its range is an error. */
  dtype?: DType;
  /** The labels' dtype: 'int32' (the default: class indices) or a float dtype (regression targets). */
  labelDtype?: DType;
}

export interface CsvData {
  /** The features, [rows, columns]. */
  X: Tensor;
  /** The labels, [rows], or null without labelColumn. */
  y: Tensor | null;
  /** The names of X's columns (from the header; `column 3` style without one). */
  columns: string[];
  /** The header row, or null. */
  header: string[] | null;
}

/** One record of a CSV text: its cells and the line it starts on (from 1). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** The largest CSV file readCsv reads (1 GiB): its numbers take several times the text. */
export const MAX_CSV_BYTES = 2 ** 30;

const OPTIONS = ['header', 'delimiter', 'columns', 'labelColumn', 'dtype', 'labelDtype'];

/** Splits CSV text into records per RFC 4180 (quoted cells may hold delimiters, newlines and "" for a quote); blank lines are skipped. */
function records(text: string, delimiter: string, where: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      while (text[i] === ' ' || (text[i] === '\t' && delimiter !== '\t')) i++;
      if (text[i] === '"') {
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= text.length) throw new CsvError(`${where} row ${quoteLine}, column ${cells.length + 1}: a quote opens here and is never closed`);
          if (text[i] === '"') {
            if (text[i + 1] !== '"') break;
            i++;
          } else if (text[i] === '\n') line++;
          cell += text[i++];
        }
        i++;
        while (text[i] === ' ' || (text[i] === '\t' && delimiter !== '\t')) i++;
        if (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
          throw new CsvError(`${where} row ${line}, column ${cells.length + 1}: text after the closing quote (a quote inside a quoted cell is written "")`);
        }
      } else {
        const begin = i;
        while (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
        cell = text.slice(begin, i).trim();
      }
      cells.push(cell);
      if (text[i] !== delimiter) break;
      i++;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (cells.length > 1 || cells[0] !== '') out.push({ line: start, cells });
  }
  return out;
}

/** A hint when a cell or row suggests another delimiter than the one given. */
function delimiterHint(text: string, delimiter: string): string {
  const other = [';', '\t', ','].find((d) => d !== delimiter && text.includes(d));
  return other === undefined ? '' : ` (the file looks ${other === '\t' ? 'tab' : `'${other}'`}-separated: pass { delimiter: ${JSON.stringify(other)} })`;
}

/** A column option (a header name or a 0-based index) as its index. */
function columnIndex(spec: unknown, header: string[] | null, width: number, where: string, option: string): number {
  if (typeof spec === 'string') {
    if (header === null) throw new CsvError(`${where}: ${option} ${JSON.stringify(spec)} is a name, but the file has no header row (use a 0-based index)`);
    const k = header.indexOf(spec);
    if (k < 0) throw new CsvError(`${where}: ${option} ${JSON.stringify(spec)} is not in the header (${header.map((h) => JSON.stringify(h)).join(', ')})`);
    return k;
  }
  if (!Number.isInteger(spec) || (spec as number) < 0 || (spec as number) >= width) {
    throw new CsvError(`${where}: ${option} ${show(spec)} must be a header name or a 0-based index below ${width} (the file has ${width} columns)`);
  }
  return spec as number;
}

/** The value of one cell for a tensor of `dtype`, or an error naming its row and column. */
function cellValue(cell: string, dtype: DType, at: string, delimiter: string, label: boolean): number {
  const v = parseDecimal(cell);
  if (v === undefined) {
    if (Math.abs(Number(cell)) === Infinity && /\d/.test(cell)) throw new CsvError(`${at}: ${cell} is beyond float64's range`);
    throw new CsvError(`${at}: ${cell === '' ? 'empty cell, expected a number' : `${JSON.stringify(cell)} is not a number`}${delimiterHint(cell, delimiter)}`);
  }
  if (dtype === 'float32' && !Number.isFinite(Math.fround(v))) throw new CsvError(`${at}: ${cell} is beyond float32's range (magnitudes up to about 3.4e38; pass dtype: 'float64')`);
  if (dtype === 'int32' && !(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) {
    throw new CsvError(`${at}: ${cell} is not an int32${label ? ` class index (for regression targets pass labelDtype: 'float32')` : ''}`);
  }
  return v;
}

function checkDtype(dtype: unknown, where: string, option: string): DType {
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') throw new ValueError(`${where}: ${option} must be 'float32', 'float64' or 'int32', got ${show(dtype)}`);
  return dtype;
}

/** CSV text as records of string cells, every row as wide as the first; the header (per `header`) apart. */
export function csvRecords(text: string, options: Pick<CsvOptions, 'header' | 'delimiter'>, where: string): { header: string[] | null; rows: CsvRecord[]; width: number } {
  const { header = 'auto', delimiter = ',' } = options;
  const rows = records(text, delimiter, where);
  if (rows.length === 0) throw new CsvError(`${where}: empty file (no rows)`);
  const first = rows[0];
  const isHeader = header === 'auto' ? first.cells.some((c) => c !== '') && first.cells.every((c) => parseDecimal(c) === undefined) : header;
  const data = isHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw new CsvError(`${where}: no data rows after the header in row ${first.line}`);
  const width = first.cells.length;
  for (const r of data) {
    if (r.cells.length !== width) {
      throw new CsvError(`${where} row ${r.line}: ${r.cells.length} column${r.cells.length === 1 ? '' : 's'}, expected ${width} (as in row ${first.line})${delimiterHint(r.cells.join(''), delimiter)}`);
    }
  }
  return { header: isHeader ? first.cells : null, rows: data, width };
}

/**
 * CSV text as tensors: X [rows, features] of `dtype` and, with labelColumn, y [rows]. `where` names the text in
 * errors (readCsv passes the path).
 */
export function parseCsv(text: string, options: CsvOptions = {}, where = 'parseCsv'): CsvData {
  if (typeof text !== 'string') throw new ValueError(`${where}: expected the CSV text as a string, got ${show(text)}`);
  const unknown = Object.keys(options).filter((k) => !OPTIONS.includes(k));
  if (unknown.length > 0) throw new ValueError(`${where}: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (options: ${OPTIONS.join(', ')})`);
  const { header = 'auto', delimiter = ',' } = options;
  if (header !== true && header !== false && header !== 'auto') throw new ValueError(`${where}: header must be true, false or 'auto', got ${show(header)}`);
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || /["\r\n ]/.test(delimiter)) {
    throw new ValueError(`${where}: delimiter must be one character other than a quote, a space or a newline, got ${show(delimiter)}`);
  }
  const dtype = checkDtype(options.dtype ?? 'float32', where, 'dtype');
  const labelDtype = checkDtype(options.labelDtype ?? 'int32', where, 'labelDtype');

  const { header: names, rows: data, width } = csvRecords(text, { header, delimiter }, where);
  const label = options.labelColumn === undefined ? -1 : columnIndex(options.labelColumn, names, width, where, 'labelColumn');
  const features = options.columns === undefined
    ? Array.from({ length: width }, (_, k) => k).filter((k) => k !== label)
    : (Array.isArray(options.columns) ? options.columns : [options.columns]).map((c) => columnIndex(c, names, width, where, 'column'));
  if (features.length === 0) throw new CsvError(`${where}: no feature columns left (the file has ${width}, one of them the label)`);
  const twice = features.find((k, j) => features.indexOf(k) !== j || k === label);
  if (twice !== undefined) throw new CsvError(`${where}: column ${twice + 1}${names ? ` (${JSON.stringify(names[twice])})` : ''} is asked for twice (columns and labelColumn must not overlap)`);

  const X = dtype === 'float64' ? new Float64Array(data.length * features.length) : dtype === 'float32' ? new Float32Array(data.length * features.length) : new Int32Array(data.length * features.length);
  const y = label < 0 ? null : labelDtype === 'float64' ? new Float64Array(data.length) : labelDtype === 'float32' ? new Float32Array(data.length) : new Int32Array(data.length);
  data.forEach((r, i) => {
    features.forEach((k, j) => {
      X[i * features.length + j] = cellValue(r.cells[k], dtype, `${where} row ${r.line}, column ${k + 1}`, delimiter, false);
    });
    if (y !== null) y[i] = cellValue(r.cells[label], labelDtype, `${where} row ${r.line}, column ${label + 1}`, delimiter, true);
  });
  return {
    X: tensor(X, { shape: [data.length, features.length] }),
    y: y === null ? null : tensor(y),
    columns: features.map((k) => names?.[k] ?? `column ${k + 1}`),
    header: names,
  };
}
