#!/usr/bin/env node
// Node benchmark: citizen's wasm module (predictMatrix) against
// onnxruntime-web (wasm execution provider, one thread) on the same model and
// the same seeded float32 input.
//
//   node tests/js/bench.mjs --pkg <wasm-pkg dir> --model tests/fixtures/bench_gbr100/model.onnx \
//       [--input rows.f32] [--rows 100000] [--iters N] [--features F] [--single N] [--seed S]
//
// Prints a table, then one JSON line (the last line of stdout):
//   {"ours_rows_per_s", "ort_web_rows_per_s", "ratio", "ours_single_us",
//    "ort_web_single_us", "single_ratio", "max_rel_diff", ...}
// ratio = ours / ort-web throughput (> 1: ours is faster);
// single_ratio = ort-web / ours time per single-row call (> 1: ours is faster).
// See tests/js/README.md.

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function parseArgs(argv) {
  const o = { pkg: null, model: null, input: null, rows: 100000, iters: 0, features: 0, single: 2000, seed: 7, budget: 20 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const int = () => {
      const n = Number(v());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a} needs a non-negative integer`);
      return n;
    };
    if (a === '--pkg') o.pkg = path.resolve(v());
    else if (a === '--model') o.model = path.resolve(v());
    else if (a === '--input') o.input = path.resolve(v());
    else if (a === '--rows') o.rows = int();
    else if (a === '--iters') o.iters = int();
    else if (a === '--features') o.features = int();
    else if (a === '--single') o.single = int();
    else if (a === '--seed') o.seed = int();
    else if (a === '--budget') o.budget = Number(v());
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node tests/js/bench.mjs --pkg <wasm-pkg dir> --model <model.onnx> [--input rows.f32] [--rows 100000] [--iters N] [--features F] [--single N] [--seed S] [--budget s]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!o.pkg || !o.model) throw new Error('--pkg and --model are required');
  if (o.rows < 1) throw new Error('--rows must be at least 1');
  if (!(o.budget > 0)) throw new Error('--budget must be a positive number of seconds');
  return o;
}

// mulberry32: 32-bit state, deterministic across platforms.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Standard normal float32 values, Box-Muller on mulberry32.
function normals(n, seed) {
  const u = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u())); // 1 - u in (0, 1]
    const t = 2 * Math.PI * u();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

const median = (xs) => {
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Times fn (sync or async) on the whole batch: iters runs, or else at least 3
// and at most 1000, stopping after budgetS seconds, or after 1 s once 50 runs
// are done. Returns the times in ms.
async function timeBatch(fn, iters, budgetS) {
  const times = [];
  const t0 = performance.now();
  for (let i = 0; ; i++) {
    const el = performance.now() - t0;
    if (iters ? i >= iters : i >= 3 && (el > budgetS * 1000 || (i >= 50 && el > 1000) || i >= 1000)) break;
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  return times;
}

// Times n single-row calls (row i of the data for call i, cycling), each one
// on its own; stops early after budgetS seconds. Returns the times in µs.
async function timeSingle(fn, n, rows, budgetS) {
  const times = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn(i % rows);
    times.push((performance.now() - s) * 1000);
    if ((i & 63) === 0 && performance.now() - t0 > budgetS * 1000 && times.length >= 100) break;
  }
  return times;
}

function toF32(data) {
  if (data instanceof Float32Array) return data;
  if (data instanceof Float64Array) return Float32Array.from(data);
  if (data instanceof BigInt64Array) return Float32Array.from(data, Number);
  throw new Error(`cannot compare an output of type ${data?.constructor?.name}`);
}

// max |a-b|, max |a-b| / max(|a|, |b|) (0 where both are 0), and the number
// of values outside |a-b| <= 1e-4 |b| + 1e-5.
function diff(a, b) {
  if (a.length !== b.length) throw new Error(`outputs differ in length: ${a.length} vs ${b.length}`);
  let abs = 0, rel = 0, at = -1, bad = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) {
      if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
      abs = rel = Infinity; at = i; bad++;
      continue;
    }
    if (!(d <= 1e-4 * Math.abs(b[i]) + 1e-5)) bad++;
    if (!(d > 0)) continue;
    const r = d / Math.max(Math.abs(a[i]), Math.abs(b[i]));
    if (d > abs) abs = d;
    if (r > rel) { rel = r; at = i; }
  }
  return { abs, rel, at, bad };
}

const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const modelBytes = fs.readFileSync(opt.model);
  const jsFile = path.join(opt.pkg, 'node', 'runtime_wasm.js');
  if (!fs.existsSync(jsFile)) throw new Error(`${jsFile} does not exist (run scripts/build-wasm.sh)`);
  const require = createRequire(import.meta.url);
  const tLoad0 = performance.now();
  const ours = require(jsFile);
  const model = new ours.CitizenModel(new Uint8Array(modelBytes));
  const oursLoadMs = performance.now() - tLoad0;

  let ort;
  try {
    ort = await import('onnxruntime-web'); // node_modules; the node build reads its .wasm from dist/
  } catch (e) {
    throw new Error(`onnxruntime-web is not installed (npm ci at the repository root): ${e.message}`);
  }
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.simd = true; // ignored by builds that only ship the SIMD binary
  ort.env.logLevel = 'error';
  const tOrt0 = performance.now();
  const session = await ort.InferenceSession.create(new Uint8Array(modelBytes), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const ortLoadMs = performance.now() - tOrt0;
  const inName = session.inputNames[0];
  const outName = session.outputNames[0];

  // Feature count: --features, else our signature (plain model: "columns"),
  // else onnxruntime's input shape.
  let F = opt.features;
  if (!F) {
    try {
      const sig = JSON.parse(model.signature());
      const c = sig?.inputs?.[0]?.columns;
      if (Number.isInteger(c) && c > 0) F = c;
    } catch { /* fall through */ }
  }
  if (!F) {
    const shape = session.inputMetadata?.[0]?.shape;
    const last = shape?.[shape.length - 1];
    if (Number.isInteger(last) && last > 0 && last < 2 ** 31) F = last;
  }
  if (!F) throw new Error('cannot read the feature count from the model; give --features');

  const N = opt.rows;
  // --input: the rows as little-endian float32 (citizen-bench writes them, so
  // every engine of one run sees the same rows); else seeded normals.
  const data = opt.input ? new Float32Array(fs.readFileSync(opt.input).buffer.slice(0)) : normals(N * F, opt.seed);
  if (data.length !== N * F) throw new Error(`--input holds ${data.length} values, expected ${N} x ${F}`);
  const row = (i) => data.subarray(i * F, (i + 1) * F);

  const oursBatch = () => model.predictMatrix(data, N);
  const ortBatch = async () => (await session.run({ [inName]: new ort.Tensor('float32', data, [N, F]) }))[outName].data;
  const oursOne = (i) => model.predictMatrix(row(i), 1);
  const ortOne = async (i) => (await session.run({ [inName]: new ort.Tensor('float32', row(i), [1, F]) }))[outName].data;

  // Warm-up, and the agreement check on the full batch.
  const a = toF32(oursBatch());
  const b = toF32(await ortBatch());
  const d = diff(a, b);
  // Single-row calls must give the batch's answers.
  const per = a.length / N;
  let singleMismatch = 0;
  for (let i = 0; i < Math.min(N, 200); i++) {
    const s = toF32(oursOne(i)), t = toF32(await ortOne(i));
    for (let k = 0; k < per; k++) {
      if (s[k] !== a[i * per + k] || Math.abs(t[k] - b[i * per + k]) > 1e-6 * Math.max(1, Math.abs(t[k]))) singleMismatch++;
    }
  }
  // More warm-up (lets V8 tier up the glue code): >= 3 runs and >= 0.5 s each.
  await timeBatch(oursBatch, 0, 0.5);
  await timeBatch(ortBatch, 0, 0.5);

  const budget = opt.budget;
  const oursB = await timeBatch(oursBatch, opt.iters, budget);
  const ortB = await timeBatch(ortBatch, opt.iters, budget);
  const oursS = await timeSingle(oursOne, opt.single, N, budget / 2);
  const ortS = await timeSingle(ortOne, opt.single, N, budget / 2);

  const oursMs = median(oursB), ortMs = median(ortB);
  const res = {
    model: path.basename(path.dirname(opt.model)) + '/' + path.basename(opt.model),
    rows: N,
    features: F,
    outputs_per_row: per,
    ours_rows_per_s: Math.round(N / (oursMs / 1000)),
    ort_web_rows_per_s: Math.round(N / (ortMs / 1000)),
    ratio: +(ortMs / oursMs).toFixed(3),
    ours_single_us: +median(oursS).toFixed(2),
    ort_web_single_us: +median(ortS).toFixed(2),
    single_ratio: +(median(ortS) / median(oursS)).toFixed(3),
    max_abs_diff: d.abs,
    max_rel_diff: d.rel,
    values_outside_tolerance: d.bad,
    agree: d.bad === 0 && singleMismatch === 0,
    single_row_mismatches: singleMismatch,
    batch_iters: [oursB.length, ortB.length],
    single_calls: [oursS.length, ortS.length],
    ort_web_version: ort.env.versions?.web ?? ort.env.versions?.common ?? null,
    node: process.version,
  };

  const line = (cols) => cols.map((c, i) => (i ? String(c).padStart(16) : String(c).padEnd(26))).join('');
  const out = [];
  out.push(`model ${opt.model}: ${N} rows x ${F} features (seed ${opt.seed}), ${per} output value(s) per row; node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu?'}`);
  out.push(`load: ours ${oursLoadMs.toFixed(0)} ms (module + model), onnxruntime-web ${res.ort_web_version} ${ortLoadMs.toFixed(0)} ms (1 thread, wasm EP)`);
  out.push(line(['', 'citizen (wasm)', 'ort-web (wasm)', 'ours/ort-web']));
  out.push(line([`batch ${N}: median ms`, oursMs.toFixed(2), ortMs.toFixed(2), '']));
  out.push(line(['batch: rows/s', fmt(res.ours_rows_per_s), fmt(res.ort_web_rows_per_s), res.ratio.toFixed(2) + 'x']));
  out.push(line(['batch: iterations', oursB.length, ortB.length, '']));
  out.push(line(['single row: median µs', res.ours_single_us.toFixed(1), res.ort_web_single_us.toFixed(1), res.single_ratio.toFixed(2) + 'x']));
  out.push(line(['single row: p90 µs', pct(oursS, 0.9).toFixed(1), pct(ortS, 0.9).toFixed(1), '']));
  out.push(line(['single row: calls', oursS.length, ortS.length, '']));
  out.push(`agreement: max abs diff ${d.abs.toExponential(2)}, max rel diff ${d.rel.toExponential(2)}${d.at >= 0 ? ` (value ${d.at}: ours ${a[d.at]}, ort-web ${b[d.at]})` : ''}; ${d.bad} value(s) outside 1e-4·|ort|+1e-5; single-row vs batch mismatches: ${singleMismatch} -> ${res.agree ? 'AGREE' : 'DISAGREE'}`);
  out.push('(ratios > 1 mean citizen is faster)');
  process.stdout.write(out.join('\n') + '\n' + JSON.stringify(res) + '\n');
  model.free();
  await session.release?.();
}

function pct(xs, p) {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

main().then(
  () => process.exit(0),
  (e) => { process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`); process.exit(2); },
);
