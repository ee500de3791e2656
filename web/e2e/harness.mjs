// What the browser runs share (smoke.mjs against the stub, real.mjs against `parley serve`):
// Debian's Chromium through playwright-core, named steps, and one page on which any CSP
// violation, uncaught error or console error fails the run.

import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const shots = fileURLToPath(new URL('./screenshots/', import.meta.url));

/** Headless Chromium (CHROMIUM=/path overrides /usr/bin/chromium), media allowed to play. */
export async function launch() {
	await mkdir(shots, { recursive: true });
	return chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--mute-audio']
	});
}

/** The steps of one run and the problems found; `finish` exits 1 when there are any. */
export class Run {
	problems = [];
	step = '';

	async check(name, fn) {
		this.step = name;
		const t0 = Date.now();
		await fn();
		console.log(`ok  ${name} (${Date.now() - t0} ms)`);
	}

	failed(e) {
		this.problems.push(`[${this.step}] ${e.stack ?? e}`);
	}

	finish(passed) {
		if (this.problems.length) {
			console.error(`\nFAILED:\n${this.problems.join('\n')}`);
			process.exit(1);
		}
		console.log(`\n${passed}`);
	}
}

/** A page whose CSP violations, uncaught errors and console errors are the run's problems;
 * `shot(name)` writes `screenshots/PREFIXname.png` (the whole page, from the top). */
export async function watchedPage(browser, run, prefix = '') {
	const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light', locale: 'en-GB', timezoneId: 'UTC' });
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
	});
	const page = await context.newPage();
	page.on('console', (m) => {
		if (m.type() !== 'error') return;
		const text = m.text();
		// 4xx answers the app handles itself are logged by Chromium as failed loads.
		if (/Failed to load resource: the server responded with a status of (400|401|403|404|409|413|429)/.test(text)) return;
		run.problems.push(`[${run.step}] console: ${text}`);
	});
	page.on('pageerror', (e) => run.problems.push(`[${run.step}] page error: ${e.message}`));
	// From the top: a full-page shot of a scrolled page draws the sticky header mid-page.
	const shot = async (name) => {
		await page.evaluate(() => window.scrollTo(0, 0));
		await page.screenshot({ path: `${shots}${prefix}${name}.png`, fullPage: true });
	};
	return { context, page, shot };
}
