// Drives the console of a RUNNING gateway (the demo's, with real instances and real breakers) in headless Chromium
// through playwright-core: six instances, Stop on one user instance, its breaker opens and its traffic moves to the
// other two; a screenshot for the test report. The caller keeps traffic flowing to /users/{name}.
// Usage: node demo.test.mjs <console url> <screenshot.png> <instance to stop, host:port>. Exit 0 when all checks passed.
import { launch, step, waitFor as waitForWithin } from './browser.mjs';

const [url, screenshot, victim] = process.argv.slice(2);
if (!url || !screenshot || !victim) {
  console.error('usage: node demo.test.mjs <console url> <screenshot path> <instance to stop>');
  process.exit(2);
}
const STEP_TIMEOUT_MILLIS = 15_000;
const waitFor = (description, fn) => waitForWithin(description, fn, STEP_TIMEOUT_MILLIS);

// What the page shows for each instance, read from its visible text, grouped by service region.
function readInstances(page) {
  return page.locator('li.instance').evaluateAll((items) => Object.fromEntries(items.map((li) => {
    const text = (selector) => li.querySelector(selector)?.textContent.trim();
    const [rps] = [...li.querySelectorAll('.stats dd')].map((dd) => dd.textContent.trim());
    return [text('h4'), { breaker: text('.badge.breaker .value'), health: text('.badge.health .value'), rps: Number(rps) }];
  })));
}

let browser;
try {
  browser = await launch();
  const { context } = browser;
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(url);
  await waitFor('six instances', async () => (await page.locator('li.instance').count()) === 6);
  step('the running gateway shows six instances');

  const users = await page.getByRole('region', { name: /^users 3 instances$/ }).locator('li.instance h4').allTextContents();
  const others = users.map((u) => u.trim()).filter((u) => u !== victim);
  if (others.length !== 2) throw new Error(`instance ${victim} is not one of the users instances ${users}`);
  await waitFor('traffic on every users instance', async () => {
    const seen = await readInstances(page);
    return { ok: users.every((u) => seen[u.trim()]?.rps > 0 && seen[u.trim()].breaker === 'closed'), seen };
  });
  step(`traffic on ${users.join(', ')}`);

  await page.getByRole('button', { name: `Stop instance ${victim}` }).click();
  const after = await waitFor(`${victim}'s breaker to open and its traffic to move`, async () => {
    const seen = await readInstances(page);
    const stopped = seen[victim];
    return { ok: stopped.breaker === 'open' && stopped.health === 'down' && stopped.rps === 0
      && others.every((o) => seen[o].rps > 0 && seen[o].breaker === 'closed'), seen };
  });
  step(`after Stop: ${victim} breaker ${after.seen[victim].breaker}, ${after.seen[victim].rps} req/s; `
    + others.map((o) => `${o} ${after.seen[o].rps} req/s`).join(', '));
  await waitFor('the error of the stopped instance to be listed', async () =>
    (await page.getByRole('row').filter({ hasText: victim }).count()) > 0);
  step('its failed attempts are listed as recent errors');

  await page.screenshot({ path: screenshot, fullPage: true, animations: 'disabled' });
  step(`screenshot: ${screenshot}`);
  console.log('PASS demo.test.mjs');
} catch (e) {
  console.error(`FAIL: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
}
