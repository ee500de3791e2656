// End-to-end test of the UI served by the REAL `parley serve` (not the stub server), in
// headless Chromium with playwright-core and Debian's /usr/bin/chromium.
//
// crates/parley/tests/ui_e2e.rs starts the server (port 0, seeded with `--demo`), makes a
// user with a password, gives one call with a transcript a recording, and runs:
//
//   node e2e/real.mjs BASE_URL
//
// with PARLEY_E2E_EMAIL, PARLEY_E2E_PASSWORD and PARLEY_E2E_CALL (that call's id) set.
// CHROMIUM=/path overrides the browser. Screenshots go to e2e/screenshots/real-*.png.

import assert from 'node:assert/strict';
import { Run, launch, shots, watchedPage } from './harness.mjs';

const base = (process.argv[2] ?? '').replace(/\/$/, '');
const email = process.env.PARLEY_E2E_EMAIL;
const password = process.env.PARLEY_E2E_PASSWORD;
const id = process.env.PARLEY_E2E_CALL;
if (!base || !email || !password || !id) {
	console.error('usage: PARLEY_E2E_EMAIL=… PARLEY_E2E_PASSWORD=… PARLEY_E2E_CALL=… node e2e/real.mjs BASE_URL');
	process.exit(2);
}

const browser = await launch();
const run = new Run();
const check = (name, fn) => run.check(name, fn);

/** Seconds of a "Play from m:ss" (or h:mm:ss) label. */
function secondsOf(label) {
	const parts = label.replace('Play from ', '').split(':').map(Number);
	return parts.reduce((acc, n) => acc * 60 + n, 0);
}

try {
	const { context, page, shot } = await watchedPage(browser, run, 'real-');

	await check('the server sends the shell with its security headers', async () => {
		const r = await page.goto(`${base}/`);
		const h = r.headers();
		assert.equal(h['cache-control'], 'no-store');
		assert.equal(h['content-security-policy'], "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'");
		assert.equal(h['x-content-type-options'], 'nosniff');
		assert.equal(h['referrer-policy'], 'same-origin');
	});

	await check('signed out, /calls leads to sign-in (no session from the server either)', async () => {
		await page.goto(`${base}/calls`);
		await page.waitForURL(/\/sign-in\?next=%2Fcalls$/);
		await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
		await shot('01-sign-in');
	});

	await check('a wrong password shows the API error message', async () => {
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill('not the password at all');
		await page.getByRole('button', { name: 'Sign in' }).click();
		const alert = page.getByRole('alert');
		await alert.waitFor();
		assert.match(await alert.innerText(), /wrong email or password/);
		assert.match(await alert.innerText(), /Request id: [0-9a-z]{19}/);
	});

	await check('signing in opens the calls list of the seeded server', async () => {
		await page.getByLabel('Password').fill(password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(`${base}/calls`);
		await page.locator('tbody tr').first().waitFor();
		const rows = await page.locator('tbody tr').count();
		assert.ok(rows > 1, `${rows} calls listed`);
		await page.locator(`a[href="/calls/${id}"]`).waitFor();
		await shot('02-calls');
	});

	await check('a call opens from the list with its transcript and recording', async () => {
		await page.locator(`a[href="/calls/${id}"]`).click();
		await page.waitForURL(`${base}/calls/${id}`);
		await page.getByRole('heading', { level: 1 }).waitFor();
		const items = page.locator('ol.transcript > li');
		await items.first().waitFor();
		assert.ok((await items.count()) > 2, 'several sentences');
		const src = await page.locator('audio').getAttribute('src');
		assert.match(src, new RegExp(`^/parley/v1/calls/${id}/media\\?`), 'the signed, same-origin recording URL');
		await page.waitForFunction(() => document.querySelector('audio').readyState >= 1);
		const duration = await page.locator('audio').evaluate((a) => a.duration);
		assert.ok(duration > 5, `duration ${duration}`);
		await shot('03-call');
	});

	await check('clicking a sentence plays from it and marks it', async () => {
		const buttons = page.locator('ol.transcript > li button.at');
		// The third sentence, and the last one the recording reaches.
		const duration = await page.locator('audio').evaluate((a) => a.duration);
		const starts = (await buttons.evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')))).map(secondsOf);
		const last = starts.findLastIndex((t) => t < duration - 3);
		assert.ok(last > 2, `recording of ${duration} s, sentences at ${starts}`);
		for (const n of [2, last]) {
			const button = buttons.nth(n);
			const at = starts[n];
			await button.click();
			try {
				await page.waitForFunction((n) => document.querySelector('li[aria-current="true"]')?.id === `seg-${n}`, n, { timeout: 10_000 });
			} catch (e) {
				const state = await page.evaluate(() => ({
					current: document.querySelector('li[aria-current="true"]')?.id,
					time: document.querySelector('audio').currentTime,
					paused: document.querySelector('audio').paused,
					error: document.querySelector('audio').error?.message
				}));
				throw new Error(`sentence ${n} at ${at} s not marked: ${JSON.stringify(state)}`, { cause: e });
			}
			const t = await page.locator('audio').evaluate((a) => a.currentTime);
			assert.ok(t >= at && t < at + 5, `sentence ${n} at ${at} s: currentTime ${t}`);
			assert.equal(await page.locator('li[aria-current="true"]').count(), 1);
		}
		// It plays: time moves on by itself.
		const t0 = await page.locator('audio').evaluate((a) => a.currentTime);
		await buttons.nth(1).click();
		const t1 = await page.locator('audio').evaluate((a) => a.currentTime);
		await page.waitForFunction((t) => document.querySelector('audio').currentTime > t + 0.3, t1, { timeout: 10_000 });
		assert.notEqual(t0, t1);
		await shot('04-call-playing');
		await page.locator('audio').evaluate((a) => a.pause());
	});

	await check("a call's `url` (/call?id=) reaches the call page", async () => {
		await page.goto(`${base}/call?id=${id}`);
		await page.waitForURL(`${base}/calls/${id}`);
		await page.locator('ol.transcript > li').first().waitFor();
	});

	await check('with localStorage cleared, the cookie alone restores the session', async () => {
		await page.evaluate(() => localStorage.clear());
		await page.goto(`${base}/calls`);
		await page.locator('tbody tr').first().waitFor();
		assert.equal(new URL(page.url()).pathname, '/calls');
		const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('parley.session') ?? 'null'));
		assert.equal(typeof kept?.csrfToken, 'string', 'GET /parley/v1/session gave the CSRF token');
		// …and it works for a POST (the call page's /v2/calls/extensive needs it).
		await page.goto(`${base}/calls/${id}`);
		await page.locator('ol.transcript > li').first().waitFor();
	});

	await check('unknown API paths stay JSON 404s; a missing asset is a 404', async () => {
		const api = await page.request.get(`${base}/v2/nope`);
		assert.equal(api.status(), 404);
		assert.match(api.headers()['content-type'], /^application\/json/);
		assert.ok(Array.isArray((await api.json()).errors));
		const asset = await page.request.get(`${base}/_app/immutable/nope.js`);
		assert.equal(asset.status(), 404);
	});

	await check('signing out ends the session', async () => {
		await page.goto(`${base}/calls`);
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL(`${base}/sign-in`);
		await page.evaluate(() => localStorage.clear());
		await page.goto(`${base}/calls`);
		await page.waitForURL(/\/sign-in\?next=/);
	});
} catch (e) {
	run.failed(e);
} finally {
	await browser.close();
}

run.finish(`e2e against the real server passed; screenshots in ${shots}`);
