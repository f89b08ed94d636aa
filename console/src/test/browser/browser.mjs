// What both console scripts share: Debian's Chromium through playwright-core, and polling for what the page shows.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const step = (message) => console.log(`ok - ${message}`);

// Polls fn until it returns a truthy value (or an object whose ok is not false); the page updates once a second.
export async function waitFor(description, fn, timeoutMillis) {
  const deadline = Date.now() + timeoutMillis;
  let last;
  for (;;) {
    last = await fn();
    if (last && last.ok !== false) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMillis} ms waiting for ${description}; last seen: ${JSON.stringify(last?.seen ?? last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// A headless Chromium with a fresh profile, started as the sandbox here allows; close() also removes the profile.
export async function launch() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'javakit-console-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
