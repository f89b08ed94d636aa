// Drives the live console in real headless Chromium (Debian's, not a downloaded one) through playwright-core.
// Run by ConsoleBrowserTest against a FakeModel; by hand: node console.test.mjs <console url> <screenshot.png>.
// Prints one line per step checked; exits 0 when every check passed, 1 on the first failure, 2 on bad usage.
import { launch, step, waitFor as waitForWithin } from './browser.mjs';

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error('usage: node console.test.mjs <console url> <screenshot path>');
  process.exit(2);
}
const STEP_TIMEOUT_MILLIS = 10_000;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const waitFor = (description, fn) => waitForWithin(description, fn, STEP_TIMEOUT_MILLIS);

// The snapshot the page last received, as the page's own polls fetched it: what the model said most recently.
let latest = null;
const instanceOf = (address) => latest?.services.flatMap((s) => s.instances).find((i) => i.address === address);

// Changes what the model reports for a service, through the test's own route beside the console.
async function setPolicy(service, balancer, retry) {
  const response = await fetch(new URL('test/policy', url), { method: 'POST', body: JSON.stringify({ service, balancer, retry }) });
  check(response.status === 204, `POST test/policy answered ${response.status}`);
}

// The balancer and retry policy the page shows in the gateway's box and in each service's region, as visible text.
async function readPolicies(page) {
  const policy = (box) => box.locator('.policy dd').allTextContents().then(([balancer, retry]) => ({ balancer, retry }));
  return {
    gateway: await policy(page.locator('.gateway')),
    users: await policy(page.getByRole('region', { name: /^users / })),
    products: await policy(page.getByRole('region', { name: /^products / })),
  };
}

// Every sparkline of every instance, found as an image by its accessible name: how many points its line has.
function readSparklines(page) {
  return page.locator('li.instance').evaluateAll((items) => Object.fromEntries(items.map((li) => [
    li.querySelector('h4').textContent.trim(),
    Object.fromEntries([...li.querySelectorAll('svg[role="img"]')].map((svg) => {
      const label = svg.getAttribute('aria-label');
      return [label.split(',')[0], { points: svg.querySelector('polyline').points.numberOfItems, label }];
    })),
  ])));
}

// What the page shows for every instance, read from its visible text (not from data attributes).
function readInstances(page) {
  return page.locator('li.instance').evaluateAll((items) => Object.fromEntries(items.map((li) => {
    const text = (selector) => li.querySelector(selector)?.textContent.trim();
    const [rps, p99] = [...li.querySelectorAll('.stats dd')].map((dd) => dd.textContent.trim());
    return [text('h4'), {
      health: text('.badge.health .value'),
      breaker: text('.badge.breaker .value'),
      rps: Number(rps),
      p99,
      fault: text('.fault'),
    }];
  })));
}

let browser;
let context;
const pageErrors = [];
try {
  browser = await launch();
  context = browser.context;
  const page = context.pages()[0] ?? await context.newPage();
  // a script error or a content-security-policy violation shows up here and fails the run
  page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console error: ${m.text()} (${m.location().url})`); });
  page.on('response', async (response) => {
    if (!response.url().endsWith('/api/snapshot') || !response.ok()) return;
    const snapshot = await response.json().catch(() => null);
    if (snapshot && (!latest || Date.parse(snapshot.at) >= Date.parse(latest.at))) latest = snapshot;
  });

  await page.goto(url);
  check(await page.getByRole('heading', { level: 1, name: 'javakit live console' }).isVisible(), 'no h1 "javakit live console"');
  await waitFor('the status to say the page is live', async () => /^Live/.test(await page.getByRole('status').first().textContent()));
  step(`loaded ${url} in Chromium ${context.browser()?.version() ?? ''} and the page is live`);

  // the topology, found through the accessibility tree: a named region per service, a list item per instance
  await waitFor('six instances', async () => (await page.locator('li.instance').count()) === 6);
  for (const service of ['users', 'products']) {
    const region = page.getByRole('region', { name: new RegExp(`^${service} 3 instances$`) });
    const count = await region.getByRole('listitem').count();
    check(count === 3, `service ${service} shows ${count} instances (expected: 3)`);
  }
  step('sees six instances: 3 users, 3 products');

  // the balancer and retry texts are the model's, in the gateway's box and in each service's region
  const initial = await waitFor('the model\'s balancer and retry policy on the page', async () => {
    const seen = await readPolicies(page);
    const [users, products] = latest.services;
    return {
      ok: seen.users.balancer === users.balancer && seen.users.retry === users.retry
        && seen.products.balancer === products.balancer && seen.products.retry === products.retry
        && users.balancer === products.balancer && seen.gateway.balancer === users.balancer
        && users.retry === products.retry && seen.gateway.retry === users.retry,
      seen,
    };
  });
  check(!/round robin/.test(await page.locator('main').innerText()), 'the page says "round robin", which the model did not');
  step(`the gateway and each service show the model's balancer and retry policy: ${JSON.stringify(initial.seen.gateway)}`);

  await setPolicy('users', 'least loaded (set by the test)', '2 attempts, no budget');
  const changed = await waitFor('the users policy to change and the gateway to say they differ', async () => {
    const seen = await readPolicies(page);
    return {
      ok: seen.users.balancer === 'least loaded (set by the test)' && seen.users.retry === '2 attempts, no budget'
        && seen.products.balancer === initial.seen.products.balancer && seen.gateway.balancer === 'differs per service'
        && seen.gateway.retry === 'differs per service',
      seen,
    };
  });
  await setPolicy('products', 'least loaded (set by the test)', '2 attempts, no budget');
  await waitFor('the gateway to show the policy both services now share', async () => {
    const seen = await readPolicies(page);
    return { ok: seen.gateway.balancer === 'least loaded (set by the test)' && seen.gateway.retry === '2 attempts, no budget', seen };
  });
  await waitFor('the policy change to be announced', async () =>
    /users: balancer least loaded \(set by the test\), retry 2 attempts, no budget/.test(await page.locator('[aria-live="polite"]').textContent()));
  step(`a policy the model changes between polls changes on the page: users ${JSON.stringify(changed.seen.users)}, `
    + 'gateway "differs per service", then the shared one once products changes too; the change is announced');

  // the sparklines: one point per point of the model's last minute, for both lines of every instance, growing with it
  const sparklinesMatch = (minimum) => waitFor(`sparklines matching the model's last minute, more than ${minimum} points`, async () => {
    const seen = await readSparklines(page);
    const instances = latest.services.flatMap((s) => s.instances);
    const rates = instanceOf('localhost:8080').requestsPerSecondLastMinute;
    const label = `req/s, last ${rates.length} s: min ${Math.min(...rates).toFixed(1)}, max ${Math.max(...rates).toFixed(1)}, `
      + `last ${rates.at(-1)?.toFixed(1)}`;
    return {
      ok: rates.length > minimum && seen['localhost:8080']['req/s'].label === label
        && instances.every((i) => seen[i.address]?.['req/s']?.points === i.requestsPerSecondLastMinute.length
          && seen[i.address]?.p99?.points === i.p99MillisLastMinute.length),
      points: rates.length,
      seen: { sparklines: seen['localhost:8080'], model: rates },
    };
  });
  const early = await sparklinesMatch(1);
  const grown = await sparklinesMatch(early.points);
  step(`each instance draws the model's last minute as sparklines: localhost:8080 ${early.points} -> ${grown.points} points, `
    + `"${grown.seen.sparklines['req/s'].label}"`);

  // every control has an accessible name and visible text; the fault buttons name their instance
  const buttons = await page.getByRole('button').evaluateAll((els) => els.map((b) => ({
    text: b.textContent.trim(), label: b.getAttribute('aria-label') ?? '',
  })));
  check(buttons.length === 30, `${buttons.length} buttons (expected: 5 per instance, 30)`);
  for (const b of buttons) {
    check(b.text && b.label.startsWith(`${b.text} instance localhost:`), `button "${b.text}" is labelled "${b.label}"`);
  }
  check(await page.getByRole('group', { name: 'Faults for localhost:8081' }).getByRole('button').count() === 5,
    'no group "Faults for localhost:8081" with 5 buttons');
  step('every button has visible text and an accessible name such as "Stop instance localhost:8081"');

  const before = await waitFor('traffic on every instance', async () => {
    const seen = await readInstances(page);
    return { ok: Object.values(seen).every((i) => i.rps > 0 && i.breaker === 'closed' && i.health === 'up'), seen };
  });
  step(`before: ${Object.entries(before.seen).map(([a, i]) => `${a} ${i.rps} req/s ${i.breaker}`).join(', ')}`);
  await page.evaluate(() => { window.notReloaded = true; });

  await page.getByRole('button', { name: 'Stop instance localhost:8081' }).click();
  const after = await waitFor('localhost:8081 to go down with its breaker open and its traffic on the others', async () => {
    const seen = await readInstances(page);
    const stopped = seen['localhost:8081'];
    return {
      ok: stopped.breaker === 'open' && stopped.health === 'down' && stopped.rps === 0
        && seen['localhost:8080'].rps > before.seen['localhost:8080'].rps
        && seen['localhost:8082'].rps > before.seen['localhost:8082'].rps
        && seen['localhost:8083'].rps === before.seen['localhost:8083'].rps,
      seen,
    };
  });
  const s = after.seen;
  step(`after Stop: localhost:8081 health ${s['localhost:8081'].health}, breaker ${s['localhost:8081'].breaker}, `
    + `${s['localhost:8081'].rps} req/s; localhost:8080 ${before.seen['localhost:8080'].rps} -> ${s['localhost:8080'].rps} req/s, `
    + `localhost:8082 ${before.seen['localhost:8082'].rps} -> ${s['localhost:8082'].rps} req/s; products unchanged`);

  check(s['localhost:8081'].fault === 'Fault: stop', `fault shows "${s['localhost:8081'].fault}" (expected: "Fault: stop")`);
  check(await page.getByRole('button', { name: 'Stop instance localhost:8081' }).getAttribute('aria-pressed') === 'true',
    'the Stop button of localhost:8081 is not pressed');
  check(await page.getByRole('button', { name: 'Stop instance localhost:8080' }).getAttribute('aria-pressed') === 'false',
    'the Stop button of localhost:8080 is pressed');
  const errorRow = page.getByRole('row').filter({ hasText: 'localhost:8081' });
  await waitFor('a recent error from localhost:8081', async () => (await errorRow.count()) > 0);
  check(/unavailable/.test(await errorRow.first().textContent()), 'the error row does not say "unavailable"');
  await waitFor('the breaker change to be announced', async () =>
    /users localhost:8081: breaker open, health down/.test(await page.locator('[aria-live="polite"]').textContent()));
  step('the active fault shows as text and a pressed button, the error is listed, the change is announced');

  const fallen = await waitFor('the req/s sparkline of localhost:8081 to fall to 0', async () => {
    const seen = (await readSparklines(page))['localhost:8081']['req/s'];
    return { ok: /max [1-9][0-9.]*, last 0\.0$/.test(seen.label), seen };
  });
  step(`the sparkline of the stopped instance falls to 0: "${fallen.seen.label}"`);

  await page.screenshot({ path: screenshot, fullPage: true, animations: 'disabled' });
  step(`screenshot: ${screenshot}`);

  // restore from the keyboard; updates every second must not take the focus away from the button
  const restore = page.getByRole('button', { name: 'Restore instance localhost:8081' });
  await restore.focus();
  await page.keyboard.press('Enter');
  const restored = await waitFor('localhost:8081 back up, its breaker closed and its share back', async () => {
    const seen = await readInstances(page);
    const i = seen['localhost:8081'];
    return { ok: i.breaker === 'closed' && i.health === 'up' && i.rps === before.seen['localhost:8081'].rps && i.fault === 'Fault: none', seen };
  });
  check(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')) === 'Restore instance localhost:8081',
    'the focus left the Restore button while the page updated');
  check(await page.evaluate(() => window.notReloaded === true), 'the page reloaded');
  step(`after Restore (keyboard): localhost:8081 ${restored.seen['localhost:8081'].rps} req/s, breaker closed; focus kept, no reload`);

  check(pageErrors.length === 0, `the page logged errors: ${pageErrors.join('; ')}`);
  step('no script errors, no content-security-policy violations');
  console.log('PASS console.test.mjs');
} catch (e) {
  console.error(`FAIL: ${e.message}`);
  if (pageErrors.length) console.error(pageErrors.join('\n'));
  process.exitCode = 1;
} finally {
  await browser?.close();
}
