#!/usr/bin/env node
// Runs prediction cases through citizen's wasm-bindgen module, under node or
// in headless Chromium, and writes one result per case as JSON.
//
//   node tests/js/run-cases.mjs --engine node|browser --pkg <wasm-pkg dir> \
//       [--timeout 300] [--case-timeout 60] [--screenshot out.png] \
//       < cases.json > results.json
//
// stdin:  [{"name", "model": path, "input": path, "from": "csv"|"jsonl"|"json", "to": ...},
//          {"name", "model": path, "golden": true}, ...]
// stdout: [{"name", "ok": bool, "output": text|null, "error": text|null}, ...]
//         in the order of the cases. A case fails on its own (bad model, bad
//         input, trap, timeout); the run continues with a fresh module
//         instance after a trap or a timeout. Exit code 0 whenever the JSON
//         was written; 2 (reason on stderr) when the harness could not run.
// See tests/js/README.md.

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FORMATS = ['csv', 'jsonl', 'json'];

// ---------------------------------------------------------------------------
// Worker thread of the node engine: loads the CommonJS module once and runs
// the cases the main thread sends. Runs in a worker so that a case that hangs
// can be stopped (terminate) and a trapped instance replaced.
if (!isMainThread) {
  const logs = [];
  for (const level of ['error', 'warn']) {
    console[level] = (...a) => logs.push(a.map(String).join(' '));
  }
  let mod;
  try {
    mod = createRequire(import.meta.url)(path.join(workerData.pkg, 'node', 'runtime_wasm.js'));
  } catch (e) {
    parentPort.postMessage({ fatal: `cannot load ${workerData.pkg}/node/runtime_wasm.js: ${errorText(e)}` });
  }
  if (mod) {
    parentPort.postMessage({ ready: true });
    parentPort.on('message', (msg) => {
      logs.length = 0;
      let model;
      const r = { id: msg.id };
      try {
        model = new mod.CitizenModel(new Uint8Array(msg.model));
        r.output = msg.c.golden ? model.checkGolden() : model.predictText(msg.input, msg.c.from, msg.c.to);
        r.ok = true;
      } catch (e) {
        r.ok = false;
        r.error = errorText(e);
        r.trap = isTrap(e);
        if (logs.length) r.error += ` [console: ${logs.join(' | ')}]`;
      } finally {
        try { model?.free(); } catch { r.trap = true; }
      }
      parentPort.postMessage(r);
    });
  }
}

function errorText(e) {
  if (e instanceof Error) return e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  return String(e);
}

function isTrap(e) {
  return e instanceof Error && (e.name === 'RuntimeError' || e instanceof WebAssembly.RuntimeError);
}

// ---------------------------------------------------------------------------
// Main thread.

function parseArgs(argv) {
  const o = { engine: null, pkg: null, timeout: 300, caseTimeout: 60, screenshot: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--engine') o.engine = v();
    else if (a === '--pkg') o.pkg = path.resolve(v());
    else if (a === '--timeout') o.timeout = Number(v());
    else if (a === '--case-timeout') o.caseTimeout = Number(v());
    else if (a === '--screenshot') o.screenshot = path.resolve(v());
    else if (a === '-h' || a === '--help') {
      process.stderr.write('usage: node tests/js/run-cases.mjs --engine node|browser --pkg <wasm-pkg dir> [--timeout s] [--case-timeout s] [--screenshot png] < cases.json > results.json\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!['node', 'browser'].includes(o.engine)) throw new Error('--engine must be node or browser');
  if (!o.pkg) throw new Error('--pkg <wasm-pkg dir> is required');
  if (!(o.timeout > 0) || !(o.caseTimeout > 0)) throw new Error('timeouts must be positive numbers of seconds');
  const need = o.engine === 'node' ? ['node/runtime_wasm.js', 'node/runtime_wasm_bg.wasm'] : ['web/runtime_wasm.js', 'web/runtime_wasm_bg.wasm'];
  for (const f of need) {
    if (!fs.existsSync(path.join(o.pkg, f))) throw new Error(`${path.join(o.pkg, f)} does not exist (run scripts/build-wasm.sh)`);
  }
  return o;
}

function formatOf(p) {
  const ext = path.extname(p || '').slice(1).toLowerCase();
  return FORMATS.includes(ext) ? ext : null;
}

// Checks one case; returns the normalized case or throws the reason.
function normalize(c, i) {
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error(`case ${i} is not an object`);
  const name = typeof c.name === 'string' ? c.name : `case${i}`;
  if (typeof c.model !== 'string') throw new Error('"model" (a path) is missing');
  if (c.golden) return { name, model: path.resolve(c.model), golden: true };
  if (typeof c.input !== 'string') throw new Error('"input" (a path) is missing');
  const from = c.from ?? formatOf(c.input);
  const to = c.to ?? from;
  if (typeof from !== 'string' || typeof to !== 'string') throw new Error('"from"/"to" missing and not implied by the input file name');
  return { name, model: path.resolve(c.model), input: path.resolve(c.input), from, to, golden: false };
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (d) => chunks.push(d));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => { t = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms / 1000} s`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

class TimeoutError extends Error {}

// Things to undo when the run is abandoned (overall timeout, harness error).
const cleanups = new Set();
async function cleanUp() {
  await withTimeout(Promise.allSettled([...cleanups].map((f) => f())), 15000, 'cleaning up').catch(() => {});
}

// --- node engine -------------------------------------------------------------

async function runNode(cases, opt) {
  let worker = null;
  let seq = 0;
  const start = () => new Promise((resolve, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { pkg: opt.pkg } });
    w.once('message', (m) => (m.fatal ? reject(new Error(m.fatal)) : resolve(w)));
    w.once('error', reject);
  });
  const stop = async () => { if (worker) { const w = worker; worker = null; await w.terminate(); } };
  const results = [];
  try {
    for (const c of cases) {
      if (c.bad) { results.push(fail(c.name, c.bad)); continue; }
      let model, input;
      try {
        model = fs.readFileSync(c.model);
        input = c.golden ? null : fs.readFileSync(c.input, 'utf8');
      } catch (e) {
        results.push(fail(c.name, `cannot read ${e.path ?? 'file'}: ${e.code ?? errorText(e)}`));
        continue;
      }
      worker ??= await withTimeout(start(), 60000, 'loading the node module');
      const id = ++seq;
      const w = worker;
      const answer = new Promise((resolve, reject) => {
        const onMsg = (m) => { if (m.id === id) { cleanup(); resolve(m); } };
        const onErr = (e) => { cleanup(); reject(e); };
        const onExit = (code) => { cleanup(); reject(new Error(`worker exited with code ${code}`)); };
        const cleanup = () => { w.off('message', onMsg); w.off('error', onErr); w.off('exit', onExit); };
        w.on('message', onMsg); w.on('error', onErr); w.on('exit', onExit);
      });
      const bytes = model.buffer.slice(model.byteOffset, model.byteOffset + model.byteLength);
      w.postMessage({ id, c, model: bytes, input }, [bytes]);
      try {
        const m = await withTimeout(answer, opt.caseTimeout * 1000, 'case');
        results.push(m.ok ? pass(c.name, m.output) : fail(c.name, m.error));
        if (m.trap) await stop(); // the instance may be left inconsistent: start afresh
      } catch (e) {
        results.push(fail(c.name, errorText(e)));
        await stop();
      }
    }
  } finally {
    await stop();
  }
  return results;
}

// --- browser engine ----------------------------------------------------------

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css', '.ts': 'text/plain',
};

// Serves  /  (parity.html),  /pkg/*  (<pkg>/web/),  /files/<i>/model|input.
function startServer(cases, opt) {
  const web = path.join(opt.pkg, 'web');
  const send = (res, code, type, body) => { res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' }); res.end(body); };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const p = decodeURIComponent(url.pathname);
    let file = null;
    if (p === '/' || p === '/parity.html') file = path.join(HERE, 'parity.html');
    else if (p.startsWith('/pkg/')) {
      file = path.join(web, path.normalize(p.slice(5)));
      if (!file.startsWith(web + path.sep)) return send(res, 403, 'text/plain', 'forbidden');
    } else {
      const m = /^\/files\/(\d+)\/(model|input)$/.exec(p);
      const c = m && cases[Number(m[1])];
      if (c && !c.bad) file = m[2] === 'model' ? c.model : c.input;
    }
    if (!file) return send(res, 404, 'text/plain', `not found: ${p}`);
    fs.readFile(file, (err, data) => {
      if (err) return send(res, 404, 'text/plain', `cannot read ${file}: ${err.code}`);
      send(res, 200, MIME[path.extname(file)] ?? 'application/octet-stream', data);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function runBrowser(cases, opt) {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error(`playwright-core is not installed (npm ci at the repository root): ${errorText(e)}`);
  }
  const server = await startServer(cases, opt);
  const base = `http://127.0.0.1:${server.address().port}`;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'citizen-chromium-'));
  let context = null;
  const results = [];
  const cleanup = async () => {
    cleanups.delete(cleanup);
    await context?.close().catch(() => {});
    await new Promise((r) => { server.close(r); server.closeAllConnections?.(); });
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  cleanups.add(cleanup);
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1100, height: 700 },
      timeout: 60000,
    });
    let page = null;
    let consoleLines = [];
    let opened = 0;
    const open = async () => {
      opened++;
      const p = await context.newPage();
      p.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') consoleLines.push(m.text()); });
      p.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
      await p.goto(`${base}/`, { timeout: 60000 });
      const ready = await p.evaluate(() => window.citizenReady);
      if (ready !== true) throw new Error(`the page could not load the web module: ${ready}`);
      return p;
    };
    const close = async () => { if (page) { const p = page; page = null; await p.close({ runBeforeUnload: false }).catch(() => {}); } };
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      if (c.bad) { results.push(fail(c.name, c.bad)); continue; }
      page ??= await withTimeout(open(), 90000, 'opening the page');
      consoleLines = [];
      const job = { name: c.name, model: `/files/${i}/model`, input: c.golden ? null : `/files/${i}/input`, from: c.from, to: c.to, golden: c.golden };
      try {
        const r = await withTimeout(page.evaluate((j) => window.citizenRun(j), job), opt.caseTimeout * 1000, 'case');
        if (r.ok) results.push(pass(c.name, r.output));
        else results.push(fail(c.name, r.error + (consoleLines.length ? ` [console: ${consoleLines.join(' | ')}]` : '')));
        if (r.trap) await close();
      } catch (e) {
        results.push(fail(c.name, errorText(e)));
        await close();
      }
    }
    if (opt.screenshot) {
      if (!page || opened > 1) {
        page ??= await open();
        await page.evaluate((r) => window.citizenShowAll(r), results);
      }
      await page.screenshot({ path: opt.screenshot, fullPage: true });
    }
  } finally {
    await cleanup();
  }
  return results;
}

// -----------------------------------------------------------------------------

const pass = (name, output) => ({ name, ok: true, output, error: null });
const fail = (name, error) => ({ name, ok: false, output: null, error: String(error) });

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const text = await readStdin();
  let raw;
  try { raw = JSON.parse(text); } catch (e) { throw new Error(`stdin is not JSON: ${e.message}`); }
  if (!Array.isArray(raw)) throw new Error('stdin must be a JSON array of cases');
  const cases = raw.map((c, i) => {
    try { return normalize(c, i); } catch (e) { return { name: c?.name ?? `case${i}`, bad: `bad case: ${e.message}` }; }
  });
  const run = opt.engine === 'node' ? runNode(cases, opt) : runBrowser(cases, opt);
  const results = await withTimeout(run, opt.timeout * 1000, 'the whole run');
  // Exit only once stdout is flushed: a pipe takes large results in pieces,
  // and process.exit() would cut them off.
  await new Promise((resolve, reject) => process.stdout.write(JSON.stringify(results, null, 1) + '\n', (e) => (e ? reject(e) : resolve())));
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    async (e) => {
      process.stderr.write(`run-cases: ${errorText(e)}\n`);
      await cleanUp();
      process.exit(2);
    },
  );
}
