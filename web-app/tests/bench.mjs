// The web app's first-load bench: what the browser downloads before the
// first prediction (bytes on the wire, i.e. gzipped) and the time from page
// load to the first prediction shown, in fresh headless Chromium profiles
// (nothing cached), against a real `citizen serve` on 127.0.0.1.
// Reference in the same run: onnxruntime-web's files for the same job (its
// JavaScript and its WebAssembly, gzipped), the library a web app would use
// to run an ONNX model in the browser otherwise.
// Usage: node web-app/tests/bench.mjs BASE TOKEN MODEL RUNS
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

const [base, token, model, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const { chromium } = await import('playwright-core');
const loads = [];
for (let i = 0; i < runs; i++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citizen-web-bench-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  // Signed in already: the token is in local storage, as after a first visit.
  await context.addInitScript(([t]) => localStorage.setItem('citizen.token', t), [token]);
  const page = await context.newPage();
  const responses = [];
  page.on('requestfinished', async (request) => {
    const sizes = await request.sizes().catch(() => null);
    if (sizes) responses.push({ url: request.url(), wire: sizes.responseBodySize + sizes.responseHeadersSize });
  });
  // The form is pressed the moment it appears, from inside the page, so the
  // driver's own polling and round trips are not counted.
  await page.goto(`${base}/#/models/${model}`, { waitUntil: 'commit' });
  const [formAt, firstAt] = await page.evaluate(() => new Promise((resolve, reject) => {
    const press = () => {
      const button = document.getElementById('predict');
      if (!button) return false;
      const formAt = performance.now();
      button.click();
      if (!document.getElementById('result-value')) reject(new Error('no result after Predict'));
      resolve([formAt, performance.now()]);
      return true;
    };
    if (press()) return;
    const watch = new MutationObserver(() => { if (press()) watch.disconnect(); });
    watch.observe(document.documentElement, { childList: true, subtree: true });
  }));
  await page.locator('#explain .contrib').first().waitFor();
  const predictText = await page.locator('#where').textContent();
  const timing = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => [new URL(e.name).pathname, Math.round(e.startTime), Math.round(e.responseEnd)]));
  if (process.env.CITIZEN_BENCH_TIMING) console.log(JSON.stringify(timing), formAt, firstAt);
  await page.waitForTimeout(300);
  const wire = responses.reduce((a, r) => a + r.wire, 0);
  loads.push({ formAt, firstAt, wire, files: responses.map((r) => [new URL(r.url).pathname, r.wire]), predictText });
  await context.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const gz = (f) => zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length;
const require = createRequire(import.meta.url);
const ortDir = path.dirname(require.resolve('onnxruntime-web'));
const ortFiles = ['ort.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'].map((f) => path.join(ortDir, f));
const ortBytes = ortFiles.reduce((a, f) => a + gz(f), 0);
const last = loads[loads.length - 1];
const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
console.log(`web app first load, ${runs} fresh profiles, model ${model}, ${base}`);
console.log('files downloaded before the first prediction (bytes on the wire, gzipped where the server sends gzip):');
for (const [p, b] of last.files) console.log(`  ${p.padEnd(48)} ${kb(b).padStart(10)}`);
console.log(`  ${'total'.padEnd(48)} ${kb(last.wire).padStart(10)}`);
const wasm = last.files.filter(([p]) => p.endsWith('.wasm')).reduce((a, [, b]) => a + b, 0);
console.log(`app module (runtime + UI) ${kb(wasm)} on the wire; goal for the runtime module: <= 1024 KiB`);
console.log(`reference: onnxruntime-web 1.30 runtime files (ort.min.mjs + ort-wasm-simd-threaded.{mjs,wasm}) gzipped: ${kb(ortBytes)}`);
console.log(`ratio, our whole first load / onnxruntime-web runtime alone: ${(last.wire / ortBytes).toFixed(2)}`);
console.log(`page load -> form ready: median ${median(loads.map((l) => l.formAt)).toFixed(0)} ms (runs: ${loads.map((l) => l.formAt.toFixed(0)).join(', ')})`);
console.log(`page load -> first prediction shown: median ${median(loads.map((l) => l.firstAt)).toFixed(0)} ms (runs: ${loads.map((l) => l.firstAt.toFixed(0)).join(', ')}); goal <= 300 ms`);
console.log(`the prediction itself: ${last.predictText}`);
