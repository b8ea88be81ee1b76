import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium-headless-shell', args: ['--no-sandbox', '--headless'] });
const page = await browser.newPage({ viewport: { width: Number(process.argv[3] ?? 1280), height: 900 } });
await page.goto(pathToFileURL(process.argv[2]!).href);
const el = await page.$('figure.wide');
if (el) await el.screenshot({ path: '/tmp/proto/wide.png' });
await page.screenshot({ path: '/tmp/proto/top.png' });
await browser.close();
