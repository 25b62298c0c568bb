// The dashboard's first load in Debian's Chromium: from navigation until the registry statistics are on
// screen, in a fresh browser context each time (nothing cached). Prints the times in ms as a JSON list.
// Usage (from tests/e2e_serve, where playwright-core is installed): node serve_first_load.mjs URL RUNS
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
const { chromium } = require('playwright-core');
const [url, runs = '5'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.WEAVERGEN_E2E_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const times = [];
try {
  for (let i = 0; i < Number(runs); i += 1) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const start = performance.now();
    await page.goto(url);
    await page.getByTestId('count-attributes').waitFor({ timeout: 60_000 });
    await page.locator('#tree details').first().waitFor({ timeout: 60_000 });
    times.push(performance.now() - start);
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(times));
