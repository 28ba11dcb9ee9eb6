import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueError } from '@tensorgrad/core';
import { CsvError, parseCsv, readCsv } from '@tensorgrad/io';

const IRIS = 'sepal length,sepal width,species\n5.1,3.5,0\n4.9,3.0,0\n7.0,3.2,1\n';

describe('parseCsv', () => {
  it('reads features and labels, the header found by itself', () => {
    const { X, y, columns, header } = parseCsv(IRIS, { labelColumn: 'species' });
    expect([X.dtype, X.shape, Array.from(X.data)]).toEqual(['float32', [3, 2], Array.from(Float32Array.from([5.1, 3.5, 4.9, 3.0, 7.0, 3.2]))]);
    expect([y!.dtype, y!.shape, Array.from(y!.data)]).toEqual(['int32', [3], [0, 0, 1]]);
    expect(columns).toEqual(['sepal length', 'sepal width']);
    expect(header).toEqual(['sepal length', 'sepal width', 'species']);
    // no header, columns by 0-based index, float64, float labels
    const t = parseCsv('1,2,3\r\n4,5,6.5\r\n\r\n', { header: false, columns: [2, 0], labelColumn: 1, dtype: 'float64', labelDtype: 'float32' });
    expect([t.X.dtype, Array.from(t.X.data), t.columns, t.header]).toEqual(['float64', [3, 1, 6.5, 4], ['column 3', 'column 1'], null]);
    expect([t.y!.dtype, Array.from(t.y!.data)]).toEqual(['float32', [2, 5]]);
    expect(parseCsv('a,b\n1,2').y).toBeNull();
  });

  it('reads quoted cells per RFC 4180: delimiters, newlines and "" inside quotes', () => {
    const text = '"a, the first","b ""quoted""\nover two lines"\n"1",2\n3,"4"\n';
    const { X, header } = parseCsv(text);
    expect(header).toEqual(['a, the first', 'b "quoted"\nover two lines']);
    expect(Array.from(X.data)).toEqual([1, 2, 3, 4]);
    // a row after a multi-line record is named by the line it starts on
    expect(() => parseCsv('"x\ny",z\n1,2\n3,q\n')).toThrow(/parseCsv row 4, column 2: "q" is not a number/);
    expect(() => parseCsv('a,b\n1,"2\n3,4\n')).toThrow(/row 2, column 2: a quote opens here and is never closed/);
    expect(() => parseCsv('a,b\n1,"2"x\n')).toThrow(/row 2, column 2: text after the closing quote/);
    expect(parseCsv('x;y\n1;2', { delimiter: ';' }).X.shape).toEqual([1, 2]);
    expect(Array.from(parseCsv('1\t2\n3\t4', { delimiter: '\t' }).X.data)).toEqual([1, 2, 3, 4]);
  });

  it('names the row and column of a bad cell, as an editor shows them', () => {
    expect(() => parseCsv('a,b\n1,2\n3,x\n')).toThrow(CsvError);
    expect(() => parseCsv('a,b\n1,2\n3,x\n')).toThrow('parseCsv row 3, column 2: "x" is not a number');
    expect(() => parseCsv('a,b\n1,\n')).toThrow('row 2, column 2: empty cell, expected a number');
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow('row 3: 1 column, expected 2 (as in row 1)');
    expect(() => parseCsv('a,b\n1,2.5\n', { labelColumn: 1 })).toThrow(/row 2, column 2: 2.5 is not an int32 class index \(for regression targets pass labelDtype: 'float32'\)/);
  });

  it("refuses values beyond the dtype's range instead of making them Infinity", () => {
    expect(() => parseCsv('1,2\n1e39,3\n')).toThrow("row 2, column 1: 1e39 is beyond float32's range");
    expect(parseCsv('1,2\n1e39,3\n', { dtype: 'float64' }).X.data[2]).toBe(1e39);
    expect(() => parseCsv('1,2\n3,-1e400\n', { dtype: 'float64' })).toThrow("row 2, column 2: -1e400 is beyond float64's range");
    expect(() => parseCsv('1,2\n3,4e9\n', { labelColumn: 1 })).toThrow(/row 2, column 2: 4e9 is not an int32/);
  });

  it("hints at the delimiter when the file looks ';'-separated", () => {
    expect(() => parseCsv('a;b;c\n1;2;3\n')).toThrow(`row 2, column 1: "1;2;3" is not a number (the file looks ';'-separated: pass { delimiter: ";" })`);
    expect(() => parseCsv('1,5;2,25\n3,5;4,0\n')).toThrow(/column 2: "5;2" is not a number \(the file looks ';'-separated/);
  });

  it('refuses bad options and unknown columns', () => {
    expect(() => parseCsv(IRIS, { labelColumn: 'class' })).toThrow(/labelColumn "class" is not in the header \("sepal length", "sepal width", "species"\)/);
    expect(() => parseCsv('1,2\n', { labelColumn: 'y' })).toThrow(/is a name, but the file has no header row/);
    expect(() => parseCsv('1,2\n', { columns: [2] })).toThrow(/column 2 must be a header name or a 0-based index below 2/);
    expect(() => parseCsv('1,2\n', { columns: [0], labelColumn: 0 })).toThrow(/column 1 is asked for twice/);
    expect(() => parseCsv('1,2\n', { delimiter: ';;' })).toThrow(ValueError);
    expect(() => parseCsv('1,2\n', { dtype: 'int8' as 'int32' })).toThrow(/dtype must be 'float32', 'float64' or 'int32'/);
    expect(() => parseCsv('1,2\n', { label: 1 } as object)).toThrow(/unknown option 'label'/);
    expect(() => parseCsv('\n\n')).toThrow(/no rows/);
    expect(() => parseCsv('a,b\n')).toThrow(/no data rows after the header in row 1/);
  });
});

describe('readCsv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('reads a file and names it in errors', () => {
    const path = join(dir, 'iris.csv');
    writeFileSync(path, `\uFEFF${IRIS}`);
    expect(Array.from(readCsv(path, { labelColumn: 2 }).y!.data)).toEqual([0, 0, 1]);
    writeFileSync(path, 'a,b\n1,2\n3,oops\n');
    expect(() => readCsv(path)).toThrow(`readCsv: ${path} row 3, column 2: "oops" is not a number`);
    expect(() => readCsv(dir)).toThrow(/is a directory/);
  });
});
