// The serve dashboard in a real browser: `weavergen serve --live-check` on a copy of examples/registry,
// driven through Debian's Chromium with Playwright. What a user does: search, open an attribute and see
// where it is defined and used, break a file on disk and see the diagnostic appear, send telemetry with
// `registry emit` and see the live-check coverage move, look at a workflow run's Gantt chart.
//
// Needs what setup.sh installs and `make install` (`make e2e-serve` does both). Run with `node --test`.
// Outside CI a missing piece skips the test with the reason; under CI=true it fails.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const CHROMIUM = process.env.WEAVERGEN_E2E_CHROMIUM ?? '/usr/bin/chromium';
const WEAVERGEN = process.env.WEAVERGEN_E2E_CLI ?? join(ROOT, '.venv', 'bin', 'weavergen');
const STEP = 60_000;
/** The server stops by itself after this long even if the test dies without stopping it. */
const LIFETIME_S = 900;

function missing() {
  const problems = [];
  for (const [what, file] of [
    ['Chromium (Debian package chromium)', CHROMIUM],
    ['the weavergen command (make install)', WEAVERGEN],
    ['playwright-core (run tests/e2e_serve/setup.sh)', join(HERE, 'node_modules', 'playwright-core', 'package.json')],
  ]) {
    if (!existsSync(file)) problems.push(`${what}: ${file} is missing`);
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
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

const s = {}; // the session: folders, processes, the page
const timings = {};

before(async () => {
  if (skip) return;
  assert.deepEqual(absent, [], absent.join('; '));
  s.dir = mkdtempSync(join(tmpdir(), 'weavergen-serve-e2e-'));
  s.registry = join(s.dir, 'registry');
  cpSync(join(ROOT, 'examples', 'registry'), s.registry, { recursive: true });
  s.env = { ...process.env, WEAVERGEN_CACHE_DIR: join(s.dir, 'cache'), NO_COLOR: '1' };
  const [http, grpc, otlpHttp] = [await freePort(), await freePort(), await freePort()];
  s.url = `http://127.0.0.1:${http}`;
  s.grpc = grpc;
  s.log = [];
  const started = Date.now();
  s.server = spawn(WEAVERGEN, ['serve', '-r', s.registry, '--bind', `127.0.0.1:${http}`, '--live-check',
    '--otlp-grpc-port', String(grpc), '--otlp-http-port', String(otlpHttp), '--exit-after', String(LIFETIME_S)],
  { env: s.env, stdio: ['ignore', 'pipe', 'pipe'] });
  s.server.stdout.on('data', (d) => s.log.push(String(d)));
  s.server.stderr.on('data', (d) => s.log.push(String(d)));
  await until('the server to answer /health', async () => (await fetch(`${s.url}/health`)).ok);
  timings.serverStartMs = Date.now() - started;
  const { chromium } = await import('playwright-core');
  s.browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  s.page = await s.browser.newPage();
  s.page.setDefaultTimeout(STEP);
});

after(async () => {
  if (s.browser) await s.browser.close();
  if (s.server && s.server.exitCode === null) {
    s.server.kill('SIGINT');
    await new Promise((r) => { s.server.once('exit', r); setTimeout(r, 10_000); });
  }
  if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  if (Object.keys(timings).length) console.log(`timings: ${JSON.stringify(timings)}`);
});

test('the dashboard: search, an attribute, a live diagnostic, live-check coverage, a run', { skip }, async (t) => {
  const { page } = s;
  try {
    await t.test('first load shows the statistics', async () => {
      const started = Date.now();
      await page.goto(s.url);
      await page.getByTestId('count-attributes').waitFor();
      timings.firstLoadMs = Date.now() - started;
      const attributes = Number(await page.getByTestId('count-attributes').textContent());
      assert.ok(attributes > 10, `attribute count ${attributes}`);
      assert.ok((await page.getByTestId('chart').count()) >= 4);
      await page.locator('#tree details').first().waitFor();
      // the review's score arrives after the page, from /api/v1/review
      await page.getByTestId('review-score').filter({ hasText: /Quality score \d+(\.\d)? \/ 100/ }).waitFor();
    });

    await t.test('search finds an attribute and opens it', async () => {
      await page.locator('#search').fill('item_count');
      const hit = page.getByTestId('result').getByRole('link', { name: 'shop.cart.item_count', exact: true });
      await hit.waitFor();
      await hit.click();
      await page.getByTestId('item-id').filter({ hasText: 'shop.cart.item_count' }).waitFor();
      assert.match(await page.getByTestId('defined-in').textContent(), /shop[/\\]registry\.yaml:\d+:\d+/);
      assert.match(await page.getByTestId('used-by').textContent(), /shop\.checkout\.submit/);
      assert.match(await page.getByTestId('references').textContent(), /checkout[/\\]spans\.yaml/);
      assert.match(page.url(), /\/attribute\/shop\.cart\.item_count$/);
    });

    await t.test('a file broken on disk shows its diagnostic', async () => {
      await page.getByRole('link', { name: /^Diagnostics/ }).click();
      await page.getByRole('heading', { name: /Diagnostics/ }).waitFor();
      assert.equal(await page.getByTestId('diagnostic').filter({ hasText: 'ExperimentalStability' }).count(), 0);
      const spans = join(s.registry, 'checkout', 'spans.yaml');
      writeFileSync(spans, readFileSync(spans, 'utf8').replace('stability: development', 'stability: experimental'));
      const row = page.getByTestId('diagnostic').filter({ hasText: 'ExperimentalStability' });
      await row.waitFor();
      assert.match(await row.textContent(), /checkout[/\\]spans\.yaml:5:/);
    });

    await t.test('telemetry sent by registry emit moves the coverage', async () => {
      await page.getByRole('link', { name: /^Live check/ }).click();
      const coverage = page.getByTestId('coverage');
      await coverage.waitFor();
      assert.equal(await coverage.textContent(), '0.0%');
      const emit = spawnSync(WEAVERGEN, ['registry', 'emit', '-r', s.registry, '--endpoint', `http://127.0.0.1:${s.grpc}`],
        { env: s.env, encoding: 'utf8', timeout: STEP * 3 });
      assert.equal(emit.status, 0, emit.stderr);
      await until('the coverage to move', async () => (await coverage.textContent()) !== '0.0%');
      assert.ok(Number(await page.getByTestId('samples').textContent()) > 0);
    });

    await t.test('a workflow run shows as a Gantt chart', async () => {
      const check = spawnSync(WEAVERGEN, ['registry', 'check', '-r', s.registry], { env: s.env, encoding: 'utf8', timeout: STEP * 3 });
      assert.ok([0, 1].includes(check.status), check.stderr);
      await page.getByRole('link', { name: 'Runs' }).click();
      const run = page.getByTestId('run').first();
      await run.waitFor();
      assert.ok((await run.locator('rect.span-bar').count()) > 0);
    });
  } catch (error) {
    console.log(`server log:\n${s.log.join('')}`);
    throw error;
  }
});
