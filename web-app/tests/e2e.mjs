// The field agent's journey in headless Chromium, against a real
// `citizen serve` (started by host/tests/web.rs, which checks the report).
// Usage: node web-app/tests/e2e.mjs PLAN.json
// PLAN: { base, demo, demoOther, reader, admin, model, golden: [{input,
//         output}...], iris: {input, output}, smallCsv, out, serverPid }
// Prints one JSON report line; exits non-zero only when the browser itself
// fails (the checks are made by the Rust test on the report).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { chromium } = await import('playwright-core');
const report = { steps: [] };
const step = (name, data) => { report.steps.push(name); Object.assign(report, { [name]: data }); };
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'citizen-e2e-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1200, height: 900 },
  acceptDownloads: true,
  timeout: 60000,
});
const consoleLines = [];
const newPage = async (viewport) => {
  const p = await context.newPage();
  if (viewport) await p.setViewportSize(viewport);
  p.on('console', (m) => { if (m.type() === 'error') consoleLines.push(m.text()); });
  p.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  p.setDefaultTimeout(30000);
  return p;
};
const shot = (p, name) => p.screenshot({ path: path.join(plan.out, `${name}.png`), fullPage: true });

// Fills the form from a golden case's input, by field name.
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

async function result(scope) {
  const v = scope.locator('#result-value');
  await v.waitFor();
  // The explanation is drawn just after the result.
  await scope.locator('#explain .contrib').first().waitFor();
  const contribs = await scope.locator('.contrib').evaluateAll((els) => els.map((e) => Number(e.dataset.value)));
  return {
    value: await v.getAttribute('data-value'),
    text: await v.textContent(),
    where: await scope.locator('#where').textContent(),
    contributions: contribs,
    explainText: await scope.locator('#explain').textContent(),
  };
}

// Drops a file on the batch panel of `scope` (a page or a frame) and waits
// for the end; downloads the result through `page`.
async function batch(scope, file, page = scope) {
  await scope.locator('#batch-file').setInputFiles(file);
  await scope.locator('#batch-panel[data-state="done"], #batch-panel[data-state="failed"]').waitFor({ timeout: 120000 });
  const panel = scope.locator('#batch-panel');
  const out = {
    state: await panel.getAttribute('data-state'),
    route: await panel.getAttribute('data-route'),
    job: await panel.getAttribute('data-job'),
    plan: await scope.locator('#batch-plan').textContent(),
    status: await scope.locator('#batch-status').textContent(),
    problems: await scope.locator('#batch-problems').textContent(),
    problemRows: await scope.locator('#batch-problems tbody tr').count(),
    progress: await scope.locator('#batch-progress').getAttribute('value'),
  };
  if (out.state === 'done') {
    const [download] = await Promise.all([page.waitForEvent('download'), scope.locator('#batch-result').click()]);
    out.file = path.join(plan.out, `${report.steps.length}-${out.route}-${download.suggestedFilename()}`);
    await download.saveAs(out.file);
  }
  return out;
}

try {
  // 1. Sign in: a wrong token is refused with a reason, the reader's works.
  const page = await newPage();
  await page.goto(`${plan.base}/`);
  await page.locator('#token').waitFor();
  await page.locator('#token').fill('ctz_nope_nope');
  await page.locator('#signin-button').click();
  await page.locator('#signin-error', { hasText: 'not accepted' }).waitFor();
  const refused = await page.locator('#signin-error').textContent();
  await page.locator('#token').fill(plan.reader);
  await page.keyboard.press('Enter');
  await page.locator('#models li').first().waitFor();
  const models = await page.locator('#models li').evaluateAll((els) => els.map((e) => e.dataset.model));
  const card = await page.locator('#models li').first().textContent();
  await shot(page, 'picker');
  step('signin', { refused, models, card });

  // 2. The form, filled from golden case 0, predicted with the keyboard.
  await page.locator('#models a').first().click();
  await page.locator('#predict-form').waitFor();
  const fields = await page.locator('#predict-form .field').evaluateAll((els) => els.map((e) => {
    const input = e.querySelector('input, select');
    const label = e.querySelector('label');
    return {
      name: e.dataset.field, label: label?.textContent, labelFor: label?.getAttribute('for') === input?.id,
      control: input?.tagName === 'SELECT' ? 'select' : input?.type, options: input?.tagName === 'SELECT' ? input.options.length : null,
      hint: e.querySelector('.hint')?.textContent, value: input?.type === 'checkbox' ? input.checked : input?.value,
    };
  }));
  await fill(page, plan.golden[0].input);
  await page.locator('#predict').focus();
  await page.keyboard.press('Enter');
  const first = await result(page);
  await shot(page, 'form');
  step('predict', { fields, ...first });

  // 3. A bad value is named next to its field; the history keeps the good one.
  await page.locator('[name="Horsepower"]').fill('lots');
  await page.locator('#predict').click();
  const hpField = page.locator('.field[data-field="Horsepower"]');
  await hpField.locator('.error', { hasText: 'lots' }).waitFor();
  const fieldError = {
    text: await hpField.locator('.error').textContent(),
    invalid: await page.locator('[name="Horsepower"]').getAttribute('aria-invalid'),
    history: await page.locator('#history li').count(),
  };
  await page.locator('[name="Horsepower"]').fill(String(plan.golden[0].input.Horsepower));
  await page.locator('#predict').click();
  await page.locator('#history li').nth(1).waitFor();
  fieldError.historyAfter = await page.locator('#history li').count();
  step('fieldError', fieldError);

  // A value outside the range seen in training: a warning, and a prediction.
  await page.locator('[name="Horsepower"]').fill('900');
  await page.locator('#predict').click();
  await page.locator('#history li').nth(2).waitFor();
  const outOfRange = {
    warning: await hpField.locator('.error').textContent(),
    invalid: await page.locator('[name="Horsepower"]').getAttribute('aria-invalid'),
    value: await page.locator('#result-value').getAttribute('data-value'),
  };
  await page.locator('[name="Horsepower"]').fill(String(plan.golden[0].input.Horsepower));
  step('outOfRange', outOfRange);

  // Files with problems: wrong headers are refused whole, broken rows listed.
  step('wrongHeaders', await batch(page, plan.wrongHeadersCsv));
  step('brokenRows', await batch(page, plan.brokenRowsCsv));

  // 4. A small batch is scored on this device.
  step('localBatch', await batch(page, plan.smallCsv));

  // 5. The same file above the routing limit goes to the cloud batch service.
  await page.goto(`${plan.base}/?local-limit-ms=0#/models/${plan.model}`);
  await page.locator('#predict-form').waitFor();
  step('cloudBatch', await batch(page, plan.smallCsv));
  await shot(page, 'batch');

  // 6. Phone width: one column, nothing wider than the screen.
  const phone = await newPage({ width: 390, height: 844 });
  await phone.goto(`${plan.base}/#/models/${plan.model}`);
  await phone.locator('#predict-form').waitFor();
  await fill(phone, plan.golden[1].input);
  await phone.locator('#predict').click();
  const phoneResult = await result(phone);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await shot(phone, 'phone');
  step('phone', { overflow, ...phoneResult });
  await phone.close();

  // 7. Tab mode: a Teams-like host on another origin embeds the app with a
  // deep link, hands it the token, and the form predicts inside the frame.
  // The tab's batches go to the cloud: its limit is set to 0 in Settings
  // (kept per origin, as a user would set it).
  await page.evaluate(() => localStorage.setItem('citizen.localLimitMs', '0'));
  const host = await newPage({ width: 1200, height: 900 });
  const tabUrl = `${plan.demo}/?app=${encodeURIComponent(plan.base + '/')}&model=${plan.model}&token=${plan.reader}`;
  await host.goto(tabUrl);
  const frame = host.frameLocator('#tab');
  await frame.locator('#predict-form').waitFor();
  const compact = await frame.locator('body').getAttribute('class');
  await fill(frame, plan.golden[2].input);
  await frame.locator('#predict').click();
  const tabResult = await result(frame);
  await shot(host, 'tab');
  const tabBatch = await batch(frame, plan.smallCsv, host);
  await page.evaluate(() => localStorage.removeItem('citizen.localLimitMs'));
  // The same host page on an origin the server does not allow: the browser
  // refuses to show the app in its frame.
  const other = await newPage();
  await other.goto(`${plan.demoOther}/?app=${encodeURIComponent(plan.base + '/')}&model=${plan.model}`);
  await other.waitForTimeout(3000);
  const blocked = await other.frameLocator('#tab').locator('#predict-form').count();
  step('tab', { compact, blocked, batch: tabBatch, ...tabResult });
  await other.close();
  await host.close();

  // 8. A classifier, as an admin who sees every model: the class and its
  // probabilities as bars.
  const admin = await newPage();
  await admin.goto(`${plan.base}/#/models/nope`);
  await admin.locator('#main .error').waitFor();
  const unknownModel = await admin.locator('#main .error').textContent();
  await admin.locator('#signout').click();
  // A server that cannot be reached is said so at sign-in.
  await admin.locator('details summary').click();
  await admin.locator('#server').fill('http://127.0.0.1:9');
  await admin.locator('#token').fill(plan.admin);
  await admin.locator('#signin-button').click();
  await admin.locator('#signin-error', { hasText: 'reach' }).waitFor();
  const unreachable = await admin.locator('#signin-error').textContent();
  await admin.locator('#server').fill(plan.base);
  await admin.locator('#signin-button').click();
  // Signed in, the app goes back to the deep link it was on; the brand link
  // leads to the picker.
  await admin.locator('#signin').waitFor({ state: 'detached' });
  await admin.locator('a.brand').click();
  await admin.locator('#models li').nth(2).waitFor();
  const all = await admin.locator('#models li').evaluateAll((els) => els.map((e) => e.dataset.model));
  await admin.locator('#models li[data-model="iris-species"] a').click();
  await admin.locator('#predict-form').waitFor();
  await fill(admin, plan.iris.input);
  await admin.locator('#predict').click();
  const irisResult = await result(admin);
  const probs = await admin.locator('.prob').evaluateAll((els) => els.map((e) => [e.dataset.class, Number(e.dataset.value)]));
  await shot(admin, 'classifier');
  step('classifier', { models: all, probs, unknownModel, unreachable, ...irisResult });
  await admin.close();

  // 9. Offline: the server is gone; the app, the model and the form still
  // work from the service worker's copies, and the page says it is offline.
  process.kill(plan.serverPid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 500));
  const off = await newPage();
  await off.goto(`${plan.base}/#/models/${plan.model}`);
  await off.locator('#predict-form').waitFor();
  await fill(off, plan.golden[3].input);
  await off.locator('#predict').click();
  const offResult = await result(off);
  const badge = await off.locator('#net').evaluate((e) => ({ hidden: e.hidden, text: e.textContent }));
  await shot(off, 'offline');
  step('offline', { badge, ...offResult });

  report.console = consoleLines;
  console.log(JSON.stringify(report));
} catch (e) {
  report.error = String(e?.stack ?? e);
  // Every open page as it was when the journey stopped.
  let i = 0;
  for (const p of context.pages()) await p.screenshot({ path: path.join(plan.out, `failed-${i++}.png`), fullPage: true }).catch(() => {});
  report.console = consoleLines;
  console.log(JSON.stringify(report));
} finally {
  await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
