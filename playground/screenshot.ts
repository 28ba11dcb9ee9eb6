// Remakes docs/playground.png (the README's picture): the playground at 1280x800, trained for a few seconds on
// the default configuration, saved at 3/4 scale to keep the file small. Run: npx tsx playground/screenshot.ts
import { chromium } from 'playwright-core';
import { serve } from './server.js';
import { bundle } from '../scripts/bundle.js';

await bundle();
const { server, url } = await serve(0);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 0.75 });
  await page.goto(url);
  await page.click('#train');
  await page.waitForFunction(() => Number(document.getElementById('stat-epoch')!.dataset.value) >= 600, undefined, { timeout: 120_000 }).catch(() => {});
  await page.click('#pause');
  await page.waitForTimeout(500);
  await page.screenshot({ path: 'docs/playground.png' });
} finally {
  await browser.close();
  server.close();
}
