import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  cliBase,
  explainProbe,
  INSTALL_COMMAND,
  INSTALL_FROM_CHECKOUT,
  missingPythonMessage,
  probeCommand,
  serverLaunch,
  startFailureMessage,
  which,
  type Launch,
  type LaunchInput,
} from '../src/launch';

/** A fake file system: these paths exist and are executable. */
function files(...paths: string[]): (file: string) => boolean {
  const set = new Set(paths);
  return (file) => set.has(file);
}

function input(over: Partial<LaunchInput>): LaunchInput {
  return { env: { PATH: '/usr/local/bin:/usr/bin' }, platform: 'linux', isExecutable: files(), ...over };
}

function ok(result: ReturnType<typeof serverLaunch>): Launch {
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result;
}

test('weavergen on PATH is the default: `weavergen lsp --stdio`', () => {
  const launch = ok(serverLaunch(input({ isExecutable: files('/usr/bin/weavergen', '/usr/bin/python3') })));
  assert.deepEqual([launch.command, ...launch.args], ['/usr/bin/weavergen', 'lsp', '--stdio']);
  assert.equal(launch.source, 'path');
  assert.deepEqual(cliBase(launch), ['/usr/bin/weavergen']);
  assert.equal(probeCommand(launch), undefined);
});

test('the first weavergen on PATH wins, like which', () => {
  const exec = files('/usr/local/bin/weavergen', '/usr/bin/weavergen');
  assert.equal(which('weavergen', { PATH: '/usr/local/bin:/usr/bin' }, 'linux', exec), '/usr/local/bin/weavergen');
  assert.equal(which('weavergen', { PATH: '/usr/bin:/usr/local/bin' }, 'linux', exec), '/usr/bin/weavergen');
  assert.equal(which('weavergen', { PATH: '' }, 'linux', exec), undefined);
});

test('Windows: PATHEXT and ; separate PATH', () => {
  const exec = files('C:\\venv\\Scripts\\weavergen.exe');
  const found = which('weavergen', { Path: 'C:\\Windows;C:\\venv\\Scripts', PATHEXT: '.COM;.EXE' }, 'win32', exec);
  assert.equal(found, 'C:\\venv\\Scripts\\weavergen.exe');
});

test('weavergen.server.command is used exactly, with ${workspaceFolder} expanded', () => {
  const launch = ok(
    serverLaunch(
      input({
        serverCommand: ['${workspaceFolder}/.venv/bin/python', '-m', 'weavergen.server'],
        interpreter: ['/opt/python'],
        isExecutable: files('/usr/bin/weavergen'),
        subs: { workspaceFolder: '/ws' },
      }),
    ),
  );
  assert.deepEqual([launch.command, ...launch.args], ['/ws/.venv/bin/python', '-m', 'weavergen.server']);
  assert.equal(launch.source, 'setting');
  assert.deepEqual(cliBase(launch), ['/ws/.venv/bin/python', '-m', 'weavergen.cli']);
});

test('a string weavergen.server.command is the weavergen program', () => {
  const launch = ok(serverLaunch(input({ serverCommand: '~/bin/weavergen', subs: { userHome: '/home/me' } })));
  assert.deepEqual([launch.command, ...launch.args], ['/home/me/bin/weavergen', 'lsp', '--stdio']);
  assert.deepEqual(cliBase(launch), ['/home/me/bin/weavergen']);
});

test('an empty server command falls through to the interpreter setting, which beats PATH', () => {
  const launch = ok(
    serverLaunch(input({ serverCommand: [], interpreter: ['/opt/py/bin/python', '-X', 'utf8'], isExecutable: files('/usr/bin/weavergen') })),
  );
  assert.deepEqual([launch.command, ...launch.args], ['/opt/py/bin/python', '-X', 'utf8', '-m', 'weavergen.server', '--stdio']);
  assert.equal(launch.source, 'interpreter');
  assert.deepEqual(cliBase(launch), ['/opt/py/bin/python', '-X', 'utf8', '-m', 'weavergen.cli']);
  assert.deepEqual(probeCommand(launch)?.slice(0, 4), ['/opt/py/bin/python', '-X', 'utf8', '-c']);
});

test('without weavergen on PATH: the Python extension first, then python3 on PATH', () => {
  const exec = files('/usr/bin/python3');
  const fromExtension = ok(serverLaunch(input({ pythonExtension: ['/ws/.venv/bin/python'], isExecutable: exec })));
  assert.equal(fromExtension.source, 'python-extension');
  assert.deepEqual([fromExtension.command, ...fromExtension.args], ['/ws/.venv/bin/python', '-m', 'weavergen.server', '--stdio']);
  const fromPath = ok(serverLaunch(input({ isExecutable: exec })));
  assert.equal(fromPath.source, 'python-on-path');
  assert.deepEqual(fromPath.python, ['/usr/bin/python3']);
});

test('nothing found: the message says what to install', () => {
  const result = serverLaunch(input({}));
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.message === missingPythonMessage());
  assert.match(missingPythonMessage(), new RegExp(INSTALL_COMMAND));
  assert.match(missingPythonMessage(), /pip install -e \./);
});

test('the probe result decides: missing weavergen, old Python, no interpreter, all good', () => {
  const launch = ok(serverLaunch(input({ interpreter: ['/opt/py'] })));
  const good = JSON.stringify({ version: [3, 12, 1], executable: '/opt/py', weavergen: '0.1.0' });
  assert.equal(explainProbe(launch, { code: 0, stdout: good + '\n', stderr: '' }), undefined);

  const missing = JSON.stringify({ version: [3, 12, 1], error: "ModuleNotFoundError: No module named 'weavergen'" });
  const message = explainProbe(launch, { code: 0, stdout: missing, stderr: '' });
  assert.ok(message?.includes(`/opt/py -m ${INSTALL_COMMAND}`), message);
  assert.ok(message?.includes(INSTALL_FROM_CHECKOUT), message);
  assert.ok(message?.includes('No module named'), message);

  const old = explainProbe(launch, { code: 0, stdout: JSON.stringify({ version: [3, 9, 18], weavergen: '0.1.0' }), stderr: '' });
  assert.match(old ?? '', /Python 3\.11 or newer.*3\.9\.18/);

  const absent = explainProbe(launch, { code: null, stdout: '', stderr: '', spawnError: 'ENOENT' });
  assert.match(absent ?? '', /could not be started \(ENOENT\)/);

  const broken = explainProbe(launch, { code: 1, stdout: '', stderr: 'Traceback…\nSyntaxError: invalid syntax' });
  assert.match(broken ?? '', /not a working Python interpreter \(SyntaxError: invalid syntax\)/);
});

test('a server that cannot start gets the install command too', () => {
  const launch = ok(serverLaunch(input({ serverCommand: ['/nope/weavergen', 'lsp'] })));
  const message = startFailureMessage(launch, 'spawn /nope/weavergen ENOENT');
  assert.ok(message.includes('/nope/weavergen lsp') && message.includes(INSTALL_COMMAND), message);
});
