import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { CodeAction, TextEdit } from 'vscode-languageserver-protocol';

import { applyEdits, applyFixRounds, overlaps, plainEdits, selectFixes } from '../src/fixAll';

const URI = 'file:///ws/model/a.yaml';
const r = (l1: number, c1: number, l2: number, c2: number): TextEdit['range'] => ({
  start: { line: l1, character: c1 },
  end: { line: l2, character: c2 },
});
const fix = (title: string, range: TextEdit['range'], newText: string, extra: Partial<CodeAction> = {}): CodeAction => ({
  title,
  kind: 'quickfix',
  edit: { documentChanges: [{ textDocument: { uri: URI, version: 3 }, edits: [{ range, newText }] }] },
  ...extra,
});

test('overlaps: shared text, inserts at one place or at an edge; replacements that only meet are fine', () => {
  assert.equal(overlaps(r(1, 0, 1, 5), r(1, 3, 1, 8)), true);
  assert.equal(overlaps(r(1, 0, 1, 5), r(1, 5, 1, 8)), false);
  assert.equal(overlaps(r(2, 0, 2, 0), r(2, 0, 2, 0)), true);
  assert.equal(overlaps(r(2, 0, 2, 0), r(1, 0, 2, 0)), true);
  assert.equal(overlaps(r(2, 0, 2, 0), r(3, 0, 3, 0)), false);
  assert.equal(overlaps(r(0, 0, 0, 1), r(4, 0, 4, 1)), false);
});

test('plainEdits: only plain text edits of this document', () => {
  assert.deepEqual(plainEdits({ changes: { [URI]: [{ range: r(0, 0, 0, 1), newText: 'x' }] } }, URI), [{ range: r(0, 0, 0, 1), newText: 'x' }]);
  assert.equal(plainEdits({ changes: { 'file:///other.yaml': [{ range: r(0, 0, 0, 1), newText: 'x' }] } }, URI), undefined);
  const snippet = {
    documentChanges: [{ textDocument: { uri: URI, version: 1 }, edits: [{ range: r(0, 0, 0, 0), snippet: { kind: 'snippet' as const, value: 'brief: ${1:x}' } }] }],
  };
  assert.equal(plainEdits(snippet, URI), undefined);
  assert.equal(plainEdits({ documentChanges: [{ kind: 'create', uri: 'file:///new.yaml' }] }, URI), undefined);
  assert.equal(plainEdits(undefined, URI), undefined);
});

test('selectFixes: preferred first, overlapping and non-quickfix actions left for a later round', () => {
  const actions = [
    fix('a', r(1, 0, 1, 4), 'A'),
    fix('b (overlaps a, preferred)', r(1, 2, 1, 6), 'B', { isPreferred: true }),
    fix('c', r(5, 0, 5, 1), 'C'),
    fix('refactor', r(7, 0, 7, 1), 'R', { kind: 'refactor.extract' }),
    fix('with command', r(8, 0, 8, 1), 'X', { command: { title: 't', command: 'x' } }),
    { title: 'a bare command', command: 'weavergen.something' },
  ];
  assert.deepEqual(
    selectFixes(actions, URI).map((f) => f.title),
    ['b (overlaps a, preferred)', 'c'],
  );
});

test('applyFixRounds re-asks after each round until nothing is left', async () => {
  // A stand-in fixer over a text: every `experimental` becomes `development`, one fix per line, and
  // each fix only shows once the previous round was re-checked (like a server's diagnostics).
  let text = 'a: experimental experimental\nb: experimental\nc: stable\n';
  let checked = text;
  const fixes = (): CodeAction[] =>
    checked.split('\n').flatMap((line, i) => {
      const at = line.indexOf('experimental');
      return at < 0 ? [] : [fix(`line ${i + 1}`, r(i, at, i, at + 'experimental'.length), 'development')];
    });
  const result = await applyFixRounds(URI, {
    request: () => Promise.resolve(fixes()),
    apply: (edits) => {
      text = applyEdits(text, edits);
      return Promise.resolve(true);
    },
    settle: () => {
      checked = text;
      return Promise.resolve(true);
    },
  });
  assert.equal(text, 'a: development development\nb: development\nc: stable\n');
  assert.deepEqual(result, { applied: ['line 1', 'line 2', 'line 1'], rounds: 2 });
});

test('applyFixRounds stops when the editor refuses or the server does not re-check', async () => {
  const one = (): Promise<CodeAction[]> => Promise.resolve([fix('x', r(0, 0, 0, 1), 'y')]);
  const refused = await applyFixRounds(URI, { request: one, apply: () => Promise.resolve(false), settle: () => Promise.resolve(true) });
  assert.deepEqual(refused, { applied: [], rounds: 1, stopped: 'refused' });
  const slow = await applyFixRounds(URI, { request: one, apply: () => Promise.resolve(true), settle: () => Promise.resolve(false) });
  assert.deepEqual(slow, { applied: ['x'], rounds: 1, stopped: 'timeout' });
  const endless = await applyFixRounds(URI, { request: one, apply: () => Promise.resolve(true), settle: () => Promise.resolve(true) }, 3);
  assert.deepEqual(endless, { applied: ['x', 'x', 'x'], rounds: 3, stopped: 'max-rounds' });
});

test('applyEdits applies simultaneous edits against the original text', () => {
  assert.equal(applyEdits('abc\ndef\n', [{ range: r(0, 0, 0, 1), newText: 'X' }, { range: r(1, 1, 1, 2), newText: 'YY' }]), 'Xbc\ndYYf\n');
});
