// The extension in a real VS Code: the packaged .vsix installed into code-server 4.100.3 (VS Code 1.100.3),
// driven through Debian's Chromium with Playwright, on a copy of examples/registry. What a user does:
// break a file, see the problem, apply the quick fix, hover, go to a definition, check the registry with
// unsaved edits, look at a workflow and at the last run's spans, change a setting (the server restarts
// with the interpreter from the User settings of this remote window).
//
// Needs what setup.sh installs and the .vsix (`make e2e-vscode` does both). Run with `node --test`.
// Outside CI a missing piece skips the test with the reason; under CI=true it fails.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const EXT = resolve(HERE, '..');
const ROOT = resolve(EXT, '..');
const VERSION = '4.100.3';
const CACHE = process.env.WEAVERGEN_E2E_CACHE ?? join(ROOT, 'build', 'e2e-vscode');
const CODE_SERVER = join(CACHE, `code-server-${VERSION}`, 'out', 'node', 'entry.js');
const CHROMIUM = process.env.WEAVERGEN_E2E_CHROMIUM ?? '/usr/bin/chromium';
const PYTHON = process.env.WEAVERGEN_E2E_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');
const VSIX = join(EXT, `weavergen-${JSON.parse(readFileSync(join(EXT, 'package.json'), 'utf8')).version}.vsix`);
/** code-server and the extension host start slowly on a busy machine: generous, but bounded. */
const SLOW = 180_000;
const STEP = 60_000;

/**
 * The broken input and the quick fix that repairs it: a misspelt reference and its "Did you mean" fix
 * (`BREAKS.stability`, a deprecated stability value and its replacement, is the other kind of fix).
 */
const BREAKS = {
  stability: {
    line: 5, // checkout/spans.yaml, 1-based
    before: 'stability: development',
    after: 'stability: experimental',
    code: 'ExperimentalStability',
    fix: /Replace `experimental` by `development`/,
  },
  didYouMean: {
    line: 14,
    before: 'ref: shop.cart.item_count',
    after: 'ref: shop.cart.item_cuont',
    code: 'UnresolvedAttributeRef',
    fix: /shop\.cart\.item_count/,
  },
};
const BREAK = BREAKS.didYouMean;

function missing() {
  const problems = [];
  for (const [what, file] of [
    ['code-server (run editor-extension/e2e/setup.sh)', CODE_SERVER],
    ['Chromium (Debian package chromium)', CHROMIUM],
    ['the Python environment with weavergen (make install)', PYTHON],
    ['the .vsix (make extension)', VSIX],
    ['playwright-core (run editor-extension/e2e/setup.sh)', join(HERE, 'node_modules', 'playwright-core', 'package.json')],
  ]) {
    if (!existsSync(file)) {
      problems.push(`${what}: ${file} is missing`);
    }
  }
  return problems;
}

const absent = missing();
const skip = absent.length > 0 && process.env.CI !== 'true' ? absent.join('; ') : false;

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function until(what, fn, timeout = STEP) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      const value = await fn();
      if (value) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** The text of every file below a folder whose name matches, concatenated (code-server's logs). */
function logsMatching(dir, pattern) {
  const out = [];
  const walk = (d) => {
    for (const name of existsSync(d) ? readdirSync(d) : []) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        walk(p);
      } else if (pattern.test(name)) {
        out.push(readFileSync(p, 'utf8'));
      }
    }
  };
  walk(dir);
  return out.join('\n');
}

const s = {}; // the session: folders, processes, the page
const timings = {};

before(async () => {
  if (skip) {
    return;
  }
  assert.deepEqual(absent, [], `the VS Code end-to-end test cannot run: ${absent.join('; ')}`);
  const started = Date.now();
  s.tmp = mkdtempSync(join(tmpdir(), 'weavergen-e2e-'));
  s.ws = join(s.tmp, 'shop');
  s.registry = join(s.ws, 'registry');
  s.ud = join(s.tmp, 'user-data');
  s.extensions = join(s.tmp, 'extensions');
  cpSync(join(ROOT, 'examples', 'registry'), s.registry, { recursive: true });
  mkdirSync(join(s.ud, 'User'), { recursive: true });
  s.userSettings = join(s.ud, 'User', 'settings.json');
  writeFileSync(
    s.userSettings,
    JSON.stringify(
      {
        'files.autoSave': 'off',
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'editor.hover.delay': 200,
        // launch settings in the User settings of a remote window (code-server is one)
        'weavergen.interpreter': [PYTHON],
      },
      null,
      2,
    ),
  );
  const install = spawnSync(
    process.execPath,
    [CODE_SERVER, '--user-data-dir', s.ud, '--extensions-dir', s.extensions, '--install-extension', VSIX],
    { encoding: 'utf8', timeout: SLOW },
  );
  assert.equal(install.status, 0, `installing ${VSIX} failed:\n${install.stdout}\n${install.stderr}`);
  timings.installMs = Date.now() - started;

  s.port = await freePort();
  const env = { ...process.env, WEAVERGEN_CACHE_DIR: join(s.tmp, 'cache') };
  delete env.VSCODE_IPC_HOOK_CLI;
  s.server = spawn(
    process.execPath,
    [
      CODE_SERVER,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${s.port}`,
      '--user-data-dir', s.ud,
      '--extensions-dir', s.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      s.ws,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  s.serverOut = '';
  s.server.stdout.on('data', (d) => (s.serverOut += d));
  s.server.stderr.on('data', (d) => (s.serverOut += d));
  await until('code-server to listen', async () => (await fetch(`http://127.0.0.1:${s.port}/healthz`)).ok, SLOW);

  const { chromium } = await import('playwright-core');
  s.browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  s.page = await s.browser.newPage({ viewport: { width: 1600, height: 1000 } });
  s.page.setDefaultTimeout(STEP);
  await s.page.goto(`http://127.0.0.1:${s.port}/?folder=${encodeURIComponent(s.ws)}`);
  await s.page.waitForSelector('.monaco-workbench', { timeout: SLOW });
  timings.startMs = Date.now() - started;
});

after(async () => {
  await s.browser?.close().catch(() => undefined);
  if (s.server && s.server.exitCode === null) {
    s.server.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        s.server.kill('SIGKILL');
        r();
      }, 10_000);
      s.server.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
  }
  if (s.tmp && process.env.WEAVERGEN_E2E_KEEP !== '1') {
    rmSync(s.tmp, { recursive: true, force: true });
  } else if (s.tmp) {
    console.log(`kept ${s.tmp}`);
  }
  if (Object.keys(timings).length > 0) {
    console.log(`e2e timings: ${JSON.stringify(timings)}`);
  }
});

// --- driving the workbench -------------------------------------------------------------------------

const page = () => s.page;

/** Runs a palette command by its title and waits for the palette to close. */
async function palette(title) {
  await page().keyboard.press('F1');
  const input = page().locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page().locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page().keyboard.press('Enter');
}

/** Opens a file of the workspace with Quick Open and waits for its tab. */
async function openFile(relative) {
  await page().keyboard.press('Control+p');
  const input = page().locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(relative);
  const name = relative.split('/').pop();
  await page().locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page().keyboard.press('Enter');
  await page().locator('.tab.active', { hasText: name }).waitFor();
  await page().locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
  await focusEditor();
}

async function focusEditor() {
  await page().locator('.editor-group-container.active .monaco-editor textarea').first().focus();
}

/** Moves the cursor to a 1-based line and column (Go to Line). */
async function goTo(line, column) {
  await focusEditor();
  await page().keyboard.press('Control+g');
  const input = page().locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`:${line}:${column}`);
  await page().keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** The rendered text of the active editor's visible lines. */
async function editorText() {
  return (await page().locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

/** Replaces `before` (which starts at `column` of `line`) by `after`, by typing, without saving. */
async function retype(line, column, before, after) {
  await goTo(line, column);
  for (let i = 0; i < before.length; i++) {
    await page().keyboard.press('Shift+ArrowRight');
  }
  await page().keyboard.type(after, { delay: 5 });
  await page().keyboard.press('Escape'); // close the completion list the typing may have opened
}

/** The Problems panel's rows, as text. */
async function problems() {
  const rows = page().locator('.markers-panel .monaco-list-row');
  return rows.allInnerTexts();
}

/** The frame of the newest webview whose document has a rendered SVG with `selector` inside. */
async function webviewSvg(selector) {
  return until(
    `a webview with ${selector}`,
    async () => {
      for (const frame of page().frames()) {
        if (frame.url().includes('fake.html') || frame.url().includes('index.html')) {
          const found = await frame.locator(`svg ${selector}`).count().catch(() => 0);
          if (found > 0) {
            return frame;
          }
        }
      }
      return undefined;
    },
    STEP,
  );
}

function serverLog() {
  return logsMatching(join(s.ud, 'logs'), /weavergen\.log$/);
}

// --- the test ----------------------------------------------------------------------------------------

/** A step of the test; on failure, a screenshot of the workbench is kept beside the logs. */
function step(t, name, fn) {
  return t.test(name, async () => {
    try {
      await fn();
    } catch (error) {
      const shot = join(s.tmp, `${name.replace(/\W+/g, '-')}.png`);
      await page()?.screenshot({ path: shot }).catch(() => undefined);
      error.message += ` (screenshot: ${shot})`;
      throw error;
    }
  });
}

test('the extension in code-server: diagnostics, quick fix, hover, definition, check, workflow, spans, restart', { skip, timeout: 15 * 60_000 }, async (t) => {
  const spans = 'registry/checkout/spans.yaml';
  const column = (text, needle) => text.split('\n')[0].indexOf(needle) + 1;

  await step(t, 'the server starts with the interpreter from the User settings', async () => {
    await openFile(spans);
    const log = await until('the server to start', () => serverLog().match(/Starting: .*\(from \w[\w-]*\)/)?.[0], SLOW);
    assert.match(log, /\(from interpreter\)/, log);
    assert.ok(log.includes(PYTHON), log);
  });

  await step(t, 'a broken line shows up in the Problems panel, unsaved', async () => {
    const started = Date.now();
    const line = readFileSync(join(s.registry, 'checkout', 'spans.yaml'), 'utf8').split('\n')[BREAK.line - 1];
    assert.ok(line.includes(BREAK.before), `line ${BREAK.line} of ${spans} is ${line}`);
    await retype(BREAK.line, line.indexOf(BREAK.before) + 1, BREAK.before, BREAK.after);
    await page().keyboard.press('Control+Shift+m');
    await until(`${BREAK.code} in the Problems panel`, async () => (await problems()).some((r) => r.includes(BREAK.code)), SLOW);
    timings.firstDiagnosticMs = Date.now() - started;
    assert.equal(readFileSync(join(s.registry, 'checkout', 'spans.yaml'), 'utf8').includes(BREAK.after), false, 'the file was saved');
  });

  await step(t, 'Run Registry Check checks the unsaved text', async () => {
    // one more unsaved break, an error: the check must report it although the disk has the good text
    const line = '      - ref: shop.cart.product_ids';
    await retype(16, line.indexOf('product_ids') + 1, 'product_ids', 'product_idz');
    // the keystrokes have reached the editor and the server (its diagnostic names the new text)
    await until('the edit in the Problems panel', async () => (await problems()).some((r) => r.includes('product_idz')), SLOW);
    await focusEditor();
    await palette('weavergen: Run Registry Check');
    const note = page().locator('.notifications-toasts .notification-toast', { hasText: 'unsaved edits included' });
    const text = await until('the check notification', async () => (await note.count()) > 0 && (await note.first().innerText()), SLOW);
    assert.match(text, BREAK.code === 'UnresolvedAttributeRef' ? /has 2 error/ : /has 1 error/, text);
    const output = await until('the report in the commands channel', () => logsMatching(join(s.ud, 'logs'), /weavergen commands\.log$/).includes('product_idz') && logsMatching(join(s.ud, 'logs'), /weavergen commands\.log$/));
    assert.match(output, /error\[UnresolvedAttributeRef\]/, output);
    assert.equal(readFileSync(join(s.registry, 'checkout', 'spans.yaml'), 'utf8').includes('product_idz'), false);
    await page().keyboard.press('Escape');
    await retype(16, line.indexOf('product_ids') + 1, 'product_idz', 'product_ids');
    await until('the restored line to leave the Problems panel', async () => !(await problems()).some((r) => r.includes('product_idz')), SLOW);
  });

  await step(t, 'the quick fix repairs the line', async () => {
    const line = (await editorText()).split('\n').find((l) => l.includes(BREAK.after));
    assert.ok(line, 'the broken line is on screen');
    await goTo(BREAK.line, line.indexOf(BREAK.after) + 3);
    await page().keyboard.press('Control+.');
    await page().locator('.action-widget .monaco-list-row', { hasText: BREAK.fix }).first().waitFor({ timeout: SLOW });
    const focused = page().locator('.action-widget .monaco-list-row.focused');
    for (let i = 0; i < 20 && !BREAK.fix.test(await focused.first().innerText().catch(() => '')); i++) {
      await page().keyboard.press('ArrowDown');
    }
    await page().keyboard.press('Enter');
    await until('the fixed text', async () => (await editorText()).includes(BREAK.before) && !(await editorText()).includes(BREAK.after));
    await until(`${BREAK.code} to leave the Problems panel`, async () => !(await problems()).some((r) => r.includes(BREAK.code)));
  });

  await step(t, 'hovering a reference shows the attribute', async () => {
    const text = await editorText();
    const row = text.split('\n').findIndex((l) => l.includes('ref: shop.cart.item_count'));
    assert.ok(row >= 0);
    await goTo(14, column('      - ref: shop.cart.item_count', 'shop.cart') + 3);
    await page().keyboard.press('Control+k');
    await page().keyboard.press('Control+i');
    const hover = page().locator('.monaco-hover:not(.hidden)', { hasText: 'shop.cart.item_count' }).first();
    await hover.waitFor({ timeout: SLOW });
    const shown = await hover.innerText();
    assert.match(shown, /int/, shown);
    await page().keyboard.press('Escape');
  });

  await step(t, 'F12 goes to the definition', async () => {
    await goTo(14, column('      - ref: shop.cart.item_count', 'shop.cart') + 3);
    await page().keyboard.press('F12');
    await until('the definition to open', async () => {
      const tab = await page().locator('.tab.active').first().innerText();
      return !tab.includes('spans.yaml') && (await editorText()).includes('id: shop.cart.item_count');
    });
  });

  await step(t, 'Show Workflow draws the registry_check flowchart', async () => {
    await palette('weavergen: Show Workflow');
    const row = page().locator('.quick-input-list .monaco-list-row', { hasText: 'registry_check' }).first();
    await row.waitFor({ timeout: SLOW });
    await row.click();
    const frame = await webviewSvg('g.node');
    assert.ok((await frame.locator('svg g.node').count()) >= 3);
  });

  await step(t, "Show Last Run's Spans draws this registry's last run", async () => {
    await palette("weavergen: Show Last Run's Spans");
    const frame = await webviewSvg('g.tick');
    const ticks = await frame.locator('svg g.tick text').allTextContents();
    assert.ok(ticks.length >= 2 && new Set(ticks).size === ticks.length, `axis labels: ${ticks}`);
    const title = await frame.locator('svg').first().innerHTML();
    assert.match(title, /registry_check run/);
  });

  await step(t, 'after a settings change the restarted server keeps the User-settings interpreter', async () => {
    const before = (serverLog().match(/Starting: /g) ?? []).length;
    await palette('Preferences: Open User Settings (JSON)');
    await page().locator('.tab.active', { hasText: 'settings.json' }).waitFor();
    await focusEditor();
    await page().keyboard.press('Control+End');
    // inside the closing brace: add a setting the server reads
    await page().keyboard.press('ArrowUp');
    await page().keyboard.press('End');
    await page().keyboard.type(',\n"weavergen.debounceMs": 40', { delay: 5 });
    await page().keyboard.press('Control+s');
    const log = await until('the restart', () => {
      const starts = [...serverLog().matchAll(/Starting: .*/g)].map((m) => m[0]);
      return starts.length > before && starts[starts.length - 1];
    }, SLOW);
    assert.match(log, /\(from interpreter\)/, log);
  });

  await step(t, 'the server stopped and started without a traceback', async () => {
    const log = serverLog();
    assert.ok(!log.includes('Traceback'), log);
    assert.ok(!/\[error\]/.test(log), log);
  });
});
