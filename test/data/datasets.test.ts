/**
 * Every shared real dataset loads with the rows, features, kinds, missing counts and classes that the README,
 * index.json and an independent count over the raw ARFF text say.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDatasetFile } from '../../src/data/load.js';
import { summarizeDataset } from '../../src/data/summary.js';

const DIR = '../shared/datasets';

interface IndexEntry {
  name: string;
  file: string;
  task: string;
  target: string;
}

interface ReadmeRow {
  rows: number;
  features: number;
  target: string;
  task: string;
}

/** The README's markdown table: | name | task | rows | features | target | did |. */
function readmeTable(): Map<string, ReadmeRow> {
  const out = new Map<string, ReadmeRow>();
  for (const line of readFileSync(join(DIR, 'README.md'), 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 7 || !/^\d+$/.test(cells[3]!)) continue;
    out.set(cells[1]!, { task: cells[2]!, rows: Number(cells[3]), features: Number(cells[4]), target: cells[5]!.replace(/`/g, '') });
  }
  return out;
}

/** Independent raw view: the header's attribute kinds and the data rows split on commas outside quotes. */
function rawArff(text: string): { nominal: boolean[]; rows: string[][] } {
  const nominal: boolean[] = [];
  const rows: string[][] = [];
  let inData = false;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('%')) continue;
    if (!inData) {
      if (/^@attribute/i.test(t)) nominal.push(t.includes('{'));
      if (/^@data/i.test(t)) inData = true;
      continue;
    }
    const fields: string[] = [];
    let cur = '';
    let quote = '';
    for (const ch of t) {
      if (quote !== '') {
        if (ch === quote) quote = '';
        cur += ch;
      } else if (ch === "'" || ch === '"') {
        quote = ch;
        cur += ch;
      } else if (ch === ',') {
        fields.push(cur.trim());
        cur = '';
      } else cur += ch;
    }
    fields.push(cur.trim());
    rows.push(fields);
  }
  return { nominal, rows };
}

const unquote = (s: string): string => (/^'.*'$|^".*"$/.test(s) ? s.slice(1, -1) : s);

const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as IndexEntry[];
const readme = readmeTable();

test('the README lists all 18 datasets of index.json', () => {
  assert.equal(index.length, 18);
  for (const e of index) assert.ok(readme.has(e.name), e.name);
});

for (const entry of index) {
  test(`${entry.name} loads with the right shape, kinds, missing counts and classes`, () => {
    const facts = readme.get(entry.name)!;
    const text = readFileSync(join(DIR, entry.file), 'utf8');
    const raw = rawArff(text);
    const ds = loadDatasetFile(join(DIR, entry.file));
    const summary = summarizeDataset(ds);

    assert.equal(ds.name, entry.name);
    assert.equal(ds.nRows, facts.rows);
    assert.equal(raw.rows.length, facts.rows);
    assert.equal(ds.features.length, facts.features);
    assert.equal(ds.target.name, entry.target);
    assert.equal(facts.target, entry.target);
    assert.equal(ds.task, entry.task);

    // kinds: nominal attributes are categorical, the rest numeric (the target is the last attribute)
    ds.features.forEach((f, j) => assert.equal(f.kind, raw.nominal[j] ? 'categorical' : 'numeric', f.name));

    // missing: '?' tokens per column in the raw text
    ds.features.forEach((f, j) => {
      const expected = raw.rows.filter((r) => r[j] === '?').length;
      assert.equal(summary.features[j]!.missing, expected, `missing in ${f.name}`);
    });

    const last = raw.rows.map((r) => unquote(r[r.length - 1]!));
    if (ds.target.kind === 'classes') {
      const counts = new Map<string, number>();
      for (const v of last) counts.set(v, (counts.get(v) ?? 0) + 1);
      assert.deepEqual(new Set(ds.target.classes), new Set(counts.keys()));
      for (const c of summary.classes) assert.equal(c.count, counts.get(c.name), `count of class ${c.name}`);
      // codes agree row by row with the raw labels
      for (let i = 0; i < ds.nRows; i += 97) assert.equal(ds.target.classes[ds.target.codes[i]!], last[i]);
    } else {
      assert.equal(summary.classes.length, 0);
      for (let i = 0; i < ds.nRows; i += 97) assert.equal(ds.target.values[i], Number(last[i]));
    }
  });
}

test('hand-checked figures: vote and soybean missing totals, known class counts', () => {
  const counts = (name: string): Record<string, number> =>
    Object.fromEntries(summarizeDataset(loadDatasetFile(join(DIR, `${name}.arff`))).classes.map((c) => [c.name, c.count]));
  assert.equal(summarizeDataset(loadDatasetFile(join(DIR, 'vote.arff'))).missing, 392);
  const soybean = summarizeDataset(loadDatasetFile(join(DIR, 'soybean.arff')));
  assert.equal(soybean.missing, 2337);
  assert.equal(soybean.classes.length, 19);
  assert.deepEqual(counts('iris'), { 'Iris-setosa': 50, 'Iris-versicolor': 50, 'Iris-virginica': 50 });
  assert.deepEqual(counts('credit-g'), { good: 700, bad: 300 });
  assert.deepEqual(counts('diabetes'), { tested_negative: 500, tested_positive: 268 });
  assert.deepEqual(counts('vote'), { democrat: 267, republican: 168 });
  // glass declares 7 types but has no 'vehic wind non-float' row: unused declared classes are left out
  assert.deepEqual(Object.keys(counts('glass')), [
    'build wind float',
    'build wind non-float',
    'vehic wind float',
    'containers',
    'tableware',
    'headlamps',
  ]);
});

test('nominal ARFF values with spaces keep their text and declared category order', () => {
  const credit = loadDatasetFile(join(DIR, 'credit-g.arff'));
  const purpose = credit.features.find((f) => f.name === 'purpose')!;
  assert.equal(purpose.kind, 'categorical');
  if (purpose.kind !== 'categorical') return;
  assert.deepEqual(purpose.categories.slice(0, 3), ['new car', 'used car', 'furniture/equipment']);
  assert.equal(purpose.categories[purpose.codes[0]!], 'radio/tv');
  const sat = loadDatasetFile(join(DIR, 'satimage.arff'));
  assert.ok(sat.target.kind === 'classes' && sat.target.classes.includes('very damp grey soil'));
  const wdbc = loadDatasetFile(join(DIR, 'wdbc.arff'));
  assert.ok(wdbc.target.kind === 'classes');
  assert.deepEqual(wdbc.target.kind === 'classes' ? wdbc.target.classes : [], ['0', '1']);
});
