import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  checkCommand,
  checkMessage,
  displayCommand,
  generateCommand,
  parseWorkflowList,
  readServerCheck,
  spansCommand,
  templateTargets,
  workflowShowCommand,
} from '../src/cli';
import { objectReader, serverSettings } from '../src/settings';

const plain = serverSettings(() => undefined);
const everything = serverSettings(objectReader({ policies: ['a.rego', 'pol dir'], skipPolicies: true, v2: true, future: true }));

test('check: weaver flags from the settings, --future before the command (it is global)', () => {
  assert.deepEqual(checkCommand(['weavergen'], '/r', plain), ['weavergen', 'registry', 'check', '-r', '/r']);
  assert.deepEqual(checkCommand(['py', '-m', 'weavergen.cli'], '/r', everything), [
    'py', '-m', 'weavergen.cli', '--future', 'registry', 'check', '-r', '/r', '-p', 'a.rego', '-p', 'pol dir', '--skip-policies', '--v2',
  ]);
});

test('generate: TARGET OUTPUT -r DIR -t TEMPLATES', () => {
  assert.deepEqual(generateCommand(['weavergen'], 'markdown', '/ws/model', '/ws/templates', '/ws/out', plain), [
    'weavergen', 'registry', 'generate', 'markdown', '/ws/out', '-r', '/ws/model', '-t', '/ws/templates',
  ]);
  assert.ok(generateCommand(['weavergen'], 't', 'r', 'tp', 'o', everything).includes('--skip-policies'));
});

test('workflow show and debug spans', () => {
  assert.deepEqual(workflowShowCommand(['weavergen'], 'registry_check'), ['weavergen', 'workflow', 'show', 'registry_check', '--format', 'mermaid']);
  assert.deepEqual(spansCommand(['weavergen'], 'tree'), ['weavergen', 'debug', 'spans', '--format', 'tree']);
  assert.deepEqual(spansCommand(['weavergen'], 'json', undefined, 2).slice(-2), ['--back', '2']);
});

test("debug spans: the registry's own last run, never another project's", () => {
  assert.deepEqual(spansCommand(['weavergen'], 'mermaid', '/ws/reg'), ['weavergen', 'debug', 'spans', '--format', 'mermaid', '-r', '/ws/reg']);
  assert.deepEqual(spansCommand(['weavergen'], 'tree', '/ws/reg', 1).slice(-4), ['-r', '/ws/reg', '--back', '1']);
});

test('the server check: its answer read defensively, undefined when it does not hold the registry', () => {
  const text = 'error[UnresolvedAttributeRef]: …';
  assert.deepEqual(readServerCheck({ found: true, errors: 1, warnings: 2, text, runId: 'r' }), { errors: 1, warnings: 2, text });
  assert.deepEqual(readServerCheck({ found: true, errors: 0, text: '' }), { errors: 0, warnings: 0, text: '' });
  assert.equal(readServerCheck({ found: false }), undefined);
  assert.equal(readServerCheck({ found: true, cancelled: true }), undefined);
  assert.equal(readServerCheck(null), undefined);
  assert.equal(readServerCheck('nope'), undefined);
  assert.equal(readServerCheck({ found: true, errors: '1', text }), undefined);
});

test('the check message says whether unsaved edits were checked', () => {
  assert.equal(checkMessage('shop', 0, 0, true), 'weavergen: shop has no errors (as shown in the editor, unsaved edits included).');
  assert.equal(checkMessage('shop', 0, 2, false), 'weavergen: shop has no errors (2 warning(s)).');
  assert.equal(
    checkMessage('shop', 3, 1, true),
    'weavergen: shop has 3 error(s) and 1 warning(s) (as shown in the editor, unsaved edits included); see the output.',
  );
});

test('workflow list: one workflow per unindented line, names with spaces kept', () => {
  // the layout of `weavergen workflow list` (cli/workflow.py): id padded to 28, name to 24, then origin
  const line = (id: string, name: string, origin: string): string => `${id.padEnd(28)} ${name.padEnd(24)} ${origin}`;
  const stdout = [
    line('registry_check', 'Check a registry', 'built-in'),
    `${''.padEnd(28)} calls: weaver.registry.load, weaver.registry.check`,
    line('my_flow', 'Mine', '/ws/flows/my.bpmn'),
    '',
  ].join('\n');
  assert.deepEqual(parseWorkflowList(stdout), [
    { id: 'registry_check', name: 'Check a registry', origin: 'built-in' },
    { id: 'my_flow', name: 'Mine', origin: '/ws/flows/my.bpmn' },
  ]);
});

test('template targets: <templates>/registry/* first, else <templates>/*', () => {
  const tree: Record<string, string[]> = { '/t/registry': ['markdown', 'go'], '/t': ['registry', 'x'], '/u': ['b', 'a', 'registry'] };
  const list = (dir: string): string[] | undefined => tree[dir];
  assert.deepEqual(templateTargets(list, '/t'), ['go', 'markdown']);
  assert.deepEqual(templateTargets(list, '/u'), ['a', 'b']);
  assert.deepEqual(templateTargets(list, '/missing'), []);
});

test('displayCommand quotes what a shell would split', () => {
  assert.equal(displayCommand(['weavergen', '-p', 'pol dir', "it's"]), `weavergen -p 'pol dir' 'it'\\''s'`);
});
