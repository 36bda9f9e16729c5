import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { UserError } from '../../src/core/errors.js';
import { defaultNormalization } from '../../src/data/normalize.js';
import { readCorpusText, sotuChronological, stripGutenberg } from '../../src/data/read-corpus.js';
import { segmentText } from '../../src/data/segments.js';

// Compiled to dist/test/data/; the fixtures stay in the source tree.
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/data/', import.meta.url));
const SHAKESPEARE = '/work/shared/data/shakespeare-complete-pg100.txt.gz';

const tmp = mkdtempSync(join(tmpdir(), 'memsig-read-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function tmpFile(name: string, content: string | Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

test('stripGutenberg keeps only the book between the START and END markers', () => {
  const raw = readFileSync(join(FIXTURES, 'gutenberg-small.txt'), 'utf8');
  const body = stripGutenberg(raw);
  assert.ok(body.includes('ROMEO. But soft'));
  assert.ok(body.includes('Produced by a fixture.'));
  assert.ok(!/gutenberg/i.test(body), body);
  assert.ok(!body.includes('Title: A Tiny Play'));
  assert.ok(!body.includes('Updated editions'));
});

test('stripGutenberg accepts the "THE" form and leaves text without both markers alone', () => {
  const the =
    'header\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\nbook\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\nlicense\n';
  assert.equal(stripGutenberg(the), 'book\n');
  const startOnly = 'header\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\nbook\n';
  assert.equal(stripGutenberg(startOnly), startOnly);
  const endFirst =
    '*** END OF THE PROJECT GUTENBERG EBOOK X ***\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\nbook\n';
  assert.equal(stripGutenberg(endFirst), endFirst);
  assert.equal(stripGutenberg('plain text\n'), 'plain text\n');
});

test('readCorpusText strips Gutenberg boilerplate from a file', async () => {
  const path = join(FIXTURES, 'gutenberg-small.txt');
  const { source, text } = await readCorpusText(path);
  assert.equal(source, path);
  assert.ok(text.includes('JULIET.'));
  assert.ok(!/gutenberg/i.test(text));
});

test('readCorpusText removes a BOM and turns CRLF and CR line endings into LF', async () => {
  const path = tmpFile('crlf.txt', '\ufeffone\r\ntwo\rthree\n');
  assert.equal((await readCorpusText(path)).text, 'one\ntwo\nthree\n');
});

test('readCorpusText gunzips .gz files', async () => {
  const path = tmpFile('small.txt.gz', gzipSync(Buffer.from('\ufeffgzipped line\r\nsecond ’line’\n', 'utf8')));
  assert.equal((await readCorpusText(path)).text, 'gzipped line\nsecond ’line’\n');
});

test('readCorpusText reads every .txt under a folder, sorted by path, skipping hidden and other files', async () => {
  const path = join(FIXTURES, 'folder');
  const { text } = await readCorpusText(path);
  assert.equal(text, 'first file\nsecond file, first line\nsecond file, second line\n\nthird file in a subfolder\n');
});

test('the real Shakespeare gz loses its Gutenberg header and license', { skip: !existsSync(SHAKESPEARE) }, async () => {
  const { text } = await readCorpusText(SHAKESPEARE);
  assert.ok(!text.includes('START OF THIS PROJECT GUTENBERG EBOOK'));
  assert.ok(!text.includes('END OF THIS PROJECT GUTENBERG EBOOK'));
  assert.ok(!text.includes('START: FULL LICENSE'));
  assert.ok(!text.includes('\r') && text.charCodeAt(0) !== 0xfeff);
  assert.ok(text.includes('From fairest creatures we desire increase,'));
  const lines = segmentText(text, 'line', defaultNormalization());
  assert.ok(lines.length > 80_000 && lines.length < 130_000, `${lines.length} line segments`);
});

test('sotu is the bundled State of the Union corpus, oldest address first', async () => {
  const { source, text } = await readCorpusText('sotu');
  assert.equal(source, 'sotu');
  assert.ok(text.length > 5_000_000, `${text.length} characters`);
  assert.ok(text.startsWith('Fellow-Citizens of the Senate and House of Representatives: In meeting you again'));
  assert.ok(text.trimEnd().endsWith('Thank you for your patience. (Applause.)'));
  // 1953: Truman's last message came before Eisenhower's first.
  const truman = text.indexOf(
    'I have the honor to report to the Congress on the state of the Union. This is the eighth',
  );
  const eisenhower = text.indexOf('Members of the Eighty-third Congress: I welcome the honor');
  assert.ok(truman > 0 && eisenhower > truman);
});

test('sotuChronological orders by year, the outgoing president first within a year', () => {
  const names = [
    '1961_john_f_kennedy_d.txt',
    '1953_harry_s_truman_d.txt',
    '1953_dwight_d_eisenhower_r.txt',
    '1952_harry_s_truman_d.txt',
    '1960_dwight_d_eisenhower_r.txt',
    '1961_dwight_d_eisenhower_r.txt',
  ];
  assert.deepEqual(sotuChronological(names), [
    '1952_harry_s_truman_d.txt',
    '1953_harry_s_truman_d.txt',
    '1953_dwight_d_eisenhower_r.txt',
    '1960_dwight_d_eisenhower_r.txt',
    '1961_dwight_d_eisenhower_r.txt',
    '1961_john_f_kennedy_d.txt',
  ]);
});

async function assertUserError(path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(readCorpusText(path), (err: unknown) => {
    assert.ok(err instanceof UserError, `not a UserError: ${String(err)}`);
    assert.ok(err.message.includes(path), `message does not name ${path}: ${err.message}`);
    assert.ok(!err.message.includes('\n'), 'message is not one line');
    assert.match(err.message, pattern);
    return true;
  });
}

test('every unreadable corpus gives a one-line UserError naming the path', async () => {
  await assertUserError(join(tmp, 'missing.txt'), /not found/);
  await assertUserError(join(tmp, 'missing-folder'), /not found/);
  await assertUserError(tmpFile('empty.txt', ''), /no text/);
  await assertUserError(tmpFile('blank.txt', ' \n\n\t\n'), /no text/);
  await assertUserError(tmpFile('binary.txt', Uint8Array.from([104, 105, 0, 1, 2])), /binary/);
  await assertUserError(tmpFile('latin1.txt', Uint8Array.from([99, 97, 102, 0xe9, 10])), /UTF-8/);
  await assertUserError(tmpFile('utf16.txt', Buffer.from('\ufeffhi', 'utf16le')), /UTF-16/);
  await assertUserError(tmpFile('broken.gz', 'not gzip at all'), /gzip/);
  await assertUserError(tmpFile('empty.gz', gzipSync(Buffer.alloc(0))), /no text/);

  const emptyFolder = join(tmp, 'empty-folder');
  mkdirSync(emptyFolder);
  await assertUserError(emptyFolder, /no \.txt files/);
  const noTxt = join(tmp, 'no-txt');
  mkdirSync(noTxt);
  writeFileSync(join(noTxt, 'readme.md'), 'not text for the corpus');
  await assertUserError(noTxt, /no \.txt files/);
  const blankTxt = join(tmp, 'blank-txt');
  mkdirSync(blankTxt);
  writeFileSync(join(blankTxt, 'a.txt'), '\n');
  await assertUserError(blankTxt, /no text/);
  // A bad file inside a folder is named itself.
  const mixed = join(tmp, 'mixed');
  mkdirSync(mixed);
  writeFileSync(join(mixed, 'good.txt'), 'fine');
  writeFileSync(join(mixed, 'bad.txt'), Uint8Array.from([0x41, 0xc3, 0x28]));
  await assertUserError(join(mixed, 'bad.txt'), /UTF-8/);
  await assert.rejects(
    readCorpusText(mixed),
    (err: unknown) => err instanceof UserError && err.message.includes('bad.txt'),
  );
});
