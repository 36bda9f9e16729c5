import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusSourceName } from '../../src/data/source-name.js';

test('corpusSourceName records no directory of the machine: a path inside the working directory, else the name', () => {
  const cwd = '/home/me/memsig';
  assert.equal(corpusSourceName('sotu', cwd), 'sotu');
  assert.equal(corpusSourceName('data/shakespeare.txt.gz', cwd), 'data/shakespeare.txt.gz');
  assert.equal(corpusSourceName('./data//plays/', cwd), 'data/plays');
  assert.equal(corpusSourceName('/home/me/memsig/data/x.txt', cwd), 'data/x.txt');
  assert.equal(
    corpusSourceName('/work/shared/data/shakespeare-complete-pg100.txt.gz', cwd),
    'shakespeare-complete-pg100.txt.gz',
  );
  assert.equal(corpusSourceName('../shared/data/tiny.txt', cwd), 'tiny.txt');
  assert.equal(corpusSourceName('.', cwd), 'memsig');
});
