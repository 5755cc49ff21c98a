// The maker's journey through the studio in headless Chromium, against a
// real `citizen serve` (started by host/tests/studio_web.rs, which checks
// the report): upload a CSV, pick the target, leave out the leaky columns,
// train, read the evaluation charts, publish, predict with the published
// model's form; a run cancelled mid-search; a reader who sees no studio.
// Usage: node web-app/tests/studio.mjs PLAN.json
// PLAN: { base, maker, reader, csv, irisCsv, badJson, dataset, model, budget, out }
// Prints one JSON report line; exits non-zero only when the browser itself
// fails (the checks are made by the Rust test on the report).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { chromium } = await import('playwright-core');
const report = { steps: [] };
const step = (name, data) => { report.steps.push(name); Object.assign(report, { [name]: data }); };
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'citizen-studio-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1200, height: 900 },
  timeout: 60000,
});
const consoleLines = [];
const newPage = async () => {
  const p = await context.newPage();
  p.on('console', (m) => { if (m.type() === 'error') consoleLines.push(m.text()); });
  p.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  p.setDefaultTimeout(30000);
  return p;
};
const shot = (p, name) => p.screenshot({ path: path.join(plan.out, `${name}.png`), fullPage: true });

async function signIn(page, token) {
  // The browser profile is shared: forget a token kept by an earlier page.
  await page.goto(`${plan.base}/`);
  await page.evaluate(() => localStorage.removeItem('citizen.token'));
  await page.reload();
  await page.locator('#token').waitFor();
  await page.locator('#token').fill(token);
  await page.locator('#signin-button').click();
  // The model list (empty for a maker before the first publish).
  await page.locator('#models').waitFor({ state: 'attached' });
}

// Links into the studio a person can see on the page.
const studioLinks = (page) => page.locator('a[href^="#/studio"]:visible').count();

// The schema panel once it shows the answer for `target` with `column` in `role`.
async function schemaReady(page, target, column, role) {
  await page.locator(`#schema-panel[data-state="ready"][data-target="${target}"]`).waitFor();
  if (column) await page.locator(`tr[data-column="${column}"][data-role="${role}"]`).waitFor();
  await page.locator(`#schema-panel[data-state="ready"][data-target="${target}"]`).waitFor();
}

async function fill(scope, input) {
  for (const [name, value] of Object.entries(input)) {
    const el = scope.locator(`[name="${name}"]`);
    if (await el.count() === 0) continue;
    const tag = await el.evaluate((e) => `${e.tagName}:${e.type}`);
    if (tag.startsWith('SELECT')) await el.selectOption(String(value));
    else if (tag.endsWith(':checkbox')) await el.setChecked(value === true || ['yes', 'true', '1', 'y'].includes(String(value).toLowerCase()));
    else await el.fill(value === null ? '' : String(value));
  }
}

const finished = '#run[data-state="succeeded"], #run[data-state="failed"], #run[data-state="cancelled"]';

try {
  // 1. A maker signs in, sees the studio link, uploads cars93 as `cars`.
  const page = await newPage();
  await signIn(page, plan.maker);
  await page.locator('#studio-link:visible').waitFor();
  await page.locator('#studio-link').click();
  await page.locator('#studio-home').waitFor();
  // A file that is not a table is refused in words, and nothing changes page.
  await page.locator('#upload-file').setInputFiles(plan.badJson);
  await page.locator('#upload').click();
  await page.locator('#upload-error:not(:empty)').waitFor();
  const refusedUpload = await page.locator('#upload-error').textContent();
  await page.locator('#upload-file').setInputFiles(plan.csv);
  const suggested = await page.locator('#upload-name').inputValue();
  await page.locator('#upload-name').fill(plan.dataset);
  await shot(page, 'studio-upload');
  await page.locator('#upload').click();
  await page.locator(`#dataset[data-dataset="${plan.dataset}"]`).waitFor({ timeout: 60000 });
  step('upload', { suggested, refusedUpload, hash: await page.evaluate(() => location.hash) });

  // 2. The schema for Price; the leaky columns left out.
  await page.locator('#schema-panel[data-state="ready"], #schema-panel[data-state="error"]').waitFor();
  const defaultTarget = await page.locator('#target').inputValue();
  const columns = await page.locator('#target option').evaluateAll((os) => os.map((o) => o.value));
  await page.locator('#target').selectOption('Price');
  await schemaReady(page, 'Price', 'Price', 'target');
  const warningsBefore = await page.locator('#schema-warnings li').allTextContents();
  const rowsBefore = await page.locator('#schema tbody tr').count();
  const preview = await page.locator('#preview tbody tr').count();
  await page.locator('tr[data-column="Min.Price"] input.include').uncheck();
  await schemaReady(page, 'Price', 'Min.Price', 'excluded');
  await page.locator('tr[data-column="Max.Price"] input.include').uncheck();
  await schemaReady(page, 'Price', 'Max.Price', 'excluded');
  const warningsAfter = await page.locator('#schema-warnings li').allTextContents();
  const roles = await page.locator('#schema tbody tr').evaluateAll((rs) => Object.fromEntries(rs.map((r) => [r.dataset.column, r.dataset.role])));
  const task = await page.locator('#schema-task').textContent();
  await shot(page, 'studio-schema');
  step('schema', { defaultTarget, columns, warningsBefore, warningsAfter, rowsBefore, roles, task, preview });

  // 3. Train for a few seconds; watch it run; the evaluation once done.
  await page.locator('#budget').fill(String(plan.budget));
  await page.locator('#train').click();
  await page.locator('#run').waitFor();
  const runId = await page.locator('#run').getAttribute('data-run');
  const seen = new Set();
  let live = null;
  for (let i = 0; i < 600; i++) {
    const state = await page.locator('#run').getAttribute('data-state');
    seen.add(state);
    if (state === 'running' && !live) {
      // The first candidates' numbers (the server writes them every second).
      await page.waitForFunction(() => {
        const run = document.querySelector('#run');
        return run?.dataset.state !== 'running' || document.querySelector('#run-numbers')?.textContent.includes('candidates tried');
      }, null, { timeout: 20000 }).catch(() => {});
      live = {
        state: await page.locator('#run').getAttribute('data-state'),
        numbers: await page.locator('#run-numbers').textContent(),
        progress: Number(await page.locator('#run-progress').getAttribute('value')),
        cancelVisible: await page.locator('#cancel').isVisible(),
      };
      await shot(page, 'studio-running');
    }
    if (!['queued', 'running'].includes(state)) break;
    await page.waitForTimeout(200);
  }
  await page.locator(finished).waitFor({ timeout: 120000 });
  const state = await page.locator('#run').getAttribute('data-state');
  const run = { id: runId, states: [...seen], live, state, message: await page.locator('#run-message').textContent().catch(() => null) };
  if (state === 'succeeded') {
    await page.locator('#charts').waitFor();
    const count = (sel) => page.locator(sel).count();
    const attr = (sel, a) => page.locator(sel).first().getAttribute(a);
    Object.assign(run, {
      summary: await page.locator('#run-summary').textContent(),
      leaderboard: await count('table.leaderboard tbody tr'),
      winners: await count('table.leaderboard tbody tr.winner'),
      importanceBars: await count('#importance svg rect.bar'),
      importanceData: await attr('#importance svg', 'data-bars'),
      importanceWidths: await page.locator('#importance svg rect.bar').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('width')))),
      importanceValues: await page.locator('#importance svg rect.bar').evaluateAll((rs) => rs.map((r) => Number(r.dataset.value))),
      scatterPoints: await count('svg.chart-scatter circle'),
      scatterData: await attr('svg.chart-scatter', 'data-points'),
      residualPoints: await count('svg.chart-residuals circle'),
      cancelVisible: await page.locator('#cancel').isVisible(),
      svgLabels: await page.locator('svg.chart').evaluateAll((s) => s.map((e) => `${e.getAttribute('role')}:${e.getAttribute('aria-label')}`)),
    });
    // Every point of the scatter inside its plot area, as drawn.
    run.outside = await page.locator('svg.chart-scatter').evaluate((svg) => {
      const plot = svg.querySelector('rect.plot').getBBox();
      return [...svg.querySelectorAll('circle')].filter((c) => {
        const x = Number(c.getAttribute('cx')), y = Number(c.getAttribute('cy'));
        return x < plot.x - 0.1 || x > plot.x + plot.width + 0.1 || y < plot.y - 0.1 || y > plot.y + plot.height + 0.1;
      }).length;
    });
  }
  await shot(page, 'studio-evaluation');
  step('run', run);

  // 4. Publish as `cars`, follow the link to the form, predict a golden case.
  if (state === 'succeeded') {
    await page.locator('#publish-name').fill(plan.model);
    await page.locator('#publish').click();
    await page.locator('#open-form, #publish-error:not(:empty)').first().waitFor();
    const published = await page.locator('#publish-result').textContent();
    const publishError = await page.locator('#publish-error').textContent();
    await shot(page, 'studio-published');
    await page.locator('#open-form').click();
    await page.locator('#predict-form').waitFor({ timeout: 60000 });
    const hash = await page.evaluate(() => location.hash);
    const entry = await page.evaluate(async ([base, token, model]) => {
      const h = { headers: { Authorization: `Bearer ${token}` } };
      const e = await (await fetch(`${base}/models/${model}`, h)).json();
      const v = await (await fetch(`${base}/models/${model}/versions/${e.latest}`, h)).json();
      return { version: e.latest, golden: v.manifest.golden[0], tolerance: v.manifest.tolerance };
    }, [plan.base, plan.maker, plan.model]);
    await fill(page, entry.golden.input);
    await page.locator('#predict').click();
    await page.locator('#result-value').waitFor();
    const value = await page.locator('#result-value').getAttribute('data-value');
    const studioLink = await page.locator('#model-studio-link').isVisible();
    await shot(page, 'studio-form');
    step('publish', { published, publishError, hash, version: entry.version, golden: entry.golden, value, studioLink });

    // 5. The model's studio page: drift, a retraining policy, a challenger
    // trained now and the decision it led to.
    await page.locator('#model-studio-link').click();
    await page.locator('#model-studio').waitFor();
    await page.locator('#drift-flag').waitFor();
    const flag = await page.locator('#drift-flag').getAttribute('class');
    const driftRows = Number(await page.locator('#drift-flag').getAttribute('data-rows'));
    // No prediction request yet: compare with the dataset itself.
    await page.locator('#drift-source').selectOption(plan.dataset);
    await page.locator('#drift table').waitFor();
    const driftFlag = await page.locator('#drift-flag').textContent();
    const driftFields = await page.locator('#drift tbody tr').count();
    await page.locator('#policy-target').fill('Price');
    await page.locator('#policy-exclude').fill('Min.Price, Max.Price');
    await page.locator('#policy-budget').fill(String(plan.budget));
    await page.locator('#policy-save').click();
    await page.locator('#policy-status:not(:empty), #policy-error:not(:empty)').first().waitFor();
    const policySaved = await page.locator('#policy-status').textContent();
    const policyError = await page.locator('#policy-error').textContent();
    await page.locator('#retrain').click();
    await page.locator('#run').waitFor();
    await page.locator(finished).waitFor({ timeout: 120000 });
    const challengerState = await page.locator('#run').getAttribute('data-state');
    await page.locator('#challenger a').click();
    await page.locator('#decisions table').waitFor();
    const decisions = await page.locator('#decisions tbody tr').evaluateAll((rs) => rs.map((r) => r.textContent));
    await shot(page, 'studio-model');
    step('lifecycle', { flag, driftRows, driftFlag, driftFields, policySaved, policyError, challengerState, decisions });
  }

  // 6. A run cancelled mid-search says so.
  await page.goto(`${plan.base}/#/studio/datasets/${plan.dataset}`);
  await page.locator('#schema-panel[data-state="ready"]').waitFor();
  await page.locator('#target').selectOption('Price');
  await schemaReady(page, 'Price', 'Price', 'target');
  await page.locator('#budget').fill('120');
  await page.locator('#train').click();
  await page.locator('#run[data-state="running"]').waitFor({ timeout: 60000 });
  await page.waitForTimeout(1500);
  await page.locator('#cancel').click();
  await page.locator(finished).waitFor({ timeout: 60000 });
  const cancel = {
    id: await page.locator('#run').getAttribute('data-run'),
    state: await page.locator('#run').getAttribute('data-state'),
    message: await page.locator('#run-message').textContent(),
    cancelVisible: await page.locator('#cancel').isVisible(),
  };
  await shot(page, 'studio-cancelled');
  // The studio's home lists both runs with their states.
  await page.goto(`${plan.base}/#/studio`);
  await page.locator('#studio-home').waitFor();
  cancel.runs = await page.locator('table.runs tbody tr').evaluateAll((rs) => rs.map((r) => [r.dataset.run, r.dataset.state]));
  cancel.datasets = await page.locator('#datasets li').evaluateAll((ls) => ls.map((l) => l.dataset.dataset));
  await shot(page, 'studio-home');
  step('cancel', cancel);

  // 7. A classifier: iris uploaded under its own name, its last column
  // (Species) the default target; the confusion matrix and ROC curves.
  await page.locator('#upload-file').setInputFiles(plan.irisCsv);
  await page.locator('#upload').click();
  await page.locator('#dataset[data-dataset="iris"]').waitFor({ timeout: 60000 });
  await page.locator('#schema-panel[data-state="ready"]').waitFor();
  const irisTarget = await page.locator('#target').inputValue();
  await page.locator('#budget').fill('3');
  await page.locator('#train').click();
  await page.locator('#run').waitFor();
  await page.locator(finished).waitFor({ timeout: 120000 });
  await page.locator('#charts').waitFor();
  const iris = {
    id: await page.locator('#run').getAttribute('data-run'),
    target: irisTarget,
    state: await page.locator('#run').getAttribute('data-state'),
    cells: await page.locator('svg.chart-confusion rect.cell').evaluateAll((cs) => cs.map((c) => [c.dataset.actual, c.dataset.predicted, Number(c.dataset.count)])),
    curves: await page.locator('svg.chart-roc polyline').evaluateAll((ps) => ps.map((p) => [p.dataset.class, Number(p.dataset.auc), Number(p.dataset.points)])),
    scatter: await page.locator('svg.chart-scatter').count(),
  };
  await shot(page, 'studio-classifier');
  step('classifier', iris);

  // 8. An unknown run is an error in words.
  await page.goto(`${plan.base}/#/studio/runs/nope`);
  await page.locator('#page-error').waitFor();
  step('errors', { unknownRun: await page.locator('#page-error').textContent() });
  await page.close();

  // 9. A reader sees no studio link, and is told the studio is not for them.
  const reader = await newPage();
  await signIn(reader, plan.reader);
  await reader.waitForTimeout(1000);
  const onPicker = await studioLinks(reader);
  await reader.goto(`${plan.base}/#/models/${plan.model}`);
  await reader.locator('#predict-form').waitFor({ timeout: 60000 });
  await reader.waitForTimeout(1000);
  const onModel = await studioLinks(reader);
  await reader.goto(`${plan.base}/#/studio`);
  await reader.locator('#studio-refused').waitFor();
  const refused = await reader.locator('#studio-refused').textContent();
  await shot(reader, 'studio-reader');
  step('reader', { onPicker, onModel, refused });

  report.console = consoleLines;
  console.log(JSON.stringify(report));
} catch (e) {
  report.error = String(e?.stack ?? e);
  let i = 0;
  for (const p of context.pages()) await p.screenshot({ path: path.join(plan.out, `failed-${i++}.png`), fullPage: true }).catch(() => {});
  report.console = consoleLines;
  console.log(JSON.stringify(report));
} finally {
  await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
