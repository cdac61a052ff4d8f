import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenmlFormatError } from '../../src/openml/errors.js';
import { asList, optBool, optInt, optNumber, optString, stringList } from '../../src/openml/json.js';
import { parseApiError, parseDatasetDescription, parseStudy, parseTask } from '../../src/openml/parse.js';
import { isLocalId, parseOpenmlId } from '../../src/openml/types.js';

describe('OpenML JSON quirks', () => {
  it('reads strings as numbers and booleans, and [] or absence as no value', () => {
    assert.equal(optNumber('0.98', 'x'), 0.98);
    assert.equal(optInt('150', 'x'), 150);
    assert.equal(optBool('TRUE', 'x'), true);
    assert.equal(optBool('false', 'x'), false);
    assert.equal(optString([], 'x'), undefined);
    assert.equal(optNumber(undefined, 'x'), undefined);
    assert.equal(optNumber('', 'x'), undefined);
    assert.throws(() => optNumber('abc', 'q'), (e: unknown) => e instanceof OpenmlFormatError && /'q'/.test(e.message));
    assert.throws(() => optInt('1.5', 'x'), OpenmlFormatError);
    assert.throws(() => optBool('yes', 'x'), OpenmlFormatError);
  });

  it('treats a bare value as a one-element list', () => {
    assert.deepEqual(asList('a'), ['a']);
    assert.deepEqual(asList(['a', 'b']), ['a', 'b']);
    assert.deepEqual(asList([]), []);
    assert.deepEqual(stringList(undefined, 'x'), []);
    assert.deepEqual(stringList('only', 'x'), ['only']);
  });

  it('parses a task whose input and parameter lists have one bare element each', () => {
    const task = parseTask({
      task: {
        task_id: '31',
        task_type_id: '1',
        input: { name: 'source_data', data_set: { data_set_id: '31', target_feature: 'class' } },
        tag: 'OpenML-CC18',
      },
    });
    assert.equal(task.datasetId, 31);
    assert.equal(task.estimationProcedure, undefined);
    assert.deepEqual(task.tags, ['OpenML-CC18']);
    const withProcedure = parseTask({
      task: {
        task_id: '32',
        task_type_id: '2',
        input: [
          { name: 'source_data', data_set: { data_set_id: '32', target_feature: 'y' } },
          {
            name: 'estimation_procedure',
            estimation_procedure: { type: 'holdout', parameter: { name: 'percentage', value: '33' } },
          },
        ],
      },
    });
    assert.equal(withProcedure.kind, 'regression');
    assert.equal(withProcedure.estimationProcedure!.type, 'holdout');
    assert.equal(withProcedure.estimationProcedure!.percentage, 33);
    assert.deepEqual(withProcedure.estimationProcedure!.parameters, { percentage: '33' });
  });

  it('parses ignore attributes given as a list and a description marked as a local copy', () => {
    const d = parseDatasetDescription({
      data_set_description: { id: 'local-cpu', name: 'cpu', ignore_attribute: ['a', 'b'], row_id_attribute: [] },
      local_source: { file: '/data/cpu.arff', note: 'made from a local file' },
    });
    assert.equal(d.id, 'local-cpu');
    assert.deepEqual(d.ignoreAttributes, ['a', 'b']);
    assert.deepEqual(d.rowIdAttributes, []);
    assert.equal(d.localSource!.file, '/data/cpu.arff');
    assert.equal(d.localSource!.openmlDid, undefined);
  });

  it('parses a study with no tasks and one with local task ids', () => {
    const empty = parseStudy({ study: { id: '5', name: 'runs', main_entity_type: 'run', tasks: [] } });
    assert.deepEqual(empty.taskIds, []);
    const local = parseStudy({
      study: { id: 'local-shared-18', alias: 'shared-18', name: 's', tasks: { task_id: ['local-iris', 'local-cpu'] } },
    });
    assert.deepEqual(local.taskIds, ['local-iris', 'local-cpu']);
  });

  it("recognises OpenML's error document", () => {
    assert.deepEqual(parseApiError({ error: { code: '111', message: 'Unknown dataset' } }), {
      code: 111,
      message: 'Unknown dataset',
      additionalInformation: undefined,
    });
    assert.equal(parseApiError({ data_set_description: {} }), undefined);
    assert.equal(parseApiError([]), undefined);
  });

  it('accepts OpenML ids and local ids only', () => {
    assert.equal(parseOpenmlId('59'), 59);
    assert.equal(parseOpenmlId(61), 61);
    assert.equal(parseOpenmlId('local-credit-g'), 'local-credit-g');
    assert.ok(isLocalId('local-x'));
    for (const bad of ['0', '-3', 'iris', 'local-', 'local-a/b', '1.5']) {
      assert.throws(() => parseOpenmlId(bad), OpenmlFormatError, bad);
    }
    assert.throws(() => parseOpenmlId(2.5), OpenmlFormatError);
  });
});
