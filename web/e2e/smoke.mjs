// Smoke test of the built SPA (web/dist) in headless Chromium, with playwright-core and
// Debian's /usr/bin/chromium (`npx playwright install` cannot download browsers here).
//
// It runs against e2e/stub-server.mjs, a stub of the few API routes the pages call. That
// is for this spike only: the real end-to-end suite will drive the real `parley serve`
// binary (seeded database, fixture recording) in CI, as issue 17 asks.
//
// Usage: npm run build && node e2e/smoke.mjs   (CHROMIUM=/path overrides the browser)

import assert from 'node:assert/strict';
import { Run, launch, shots, watchedPage } from './harness.mjs';
import { CALLS, LINES, USER, requests, start } from './stub-server.mjs';


const server = await start(0);
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launch();
const run = new Run();
const check = (name, fn) => run.check(name, fn);

try {
	const { context, page, shot } = await watchedPage(browser, run, '');

	await check('signed out, /calls leads to sign-in', async () => {
		await page.goto(`${base}/calls`);
		await page.waitForURL(/\/sign-in\?next=%2Fcalls$/);
		await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
		await shot('01-sign-in');
	});

	await check('a wrong password shows the API error message', async () => {
		await page.getByLabel('Email').fill(USER.email);
		await page.getByLabel('Password').fill('wrong');
		await page.getByRole('button', { name: 'Sign in' }).click();
		const alert = page.getByRole('alert');
		await alert.waitFor();
		assert.match(await alert.innerText(), /wrong email or password/);
		assert.match(await alert.innerText(), /Request id: stub/);
		await shot('02-sign-in-error');
	});

	await check('signing in (keyboard only) opens the calls list', async () => {
		await page.getByLabel('Password').fill(USER.password);
		await page.getByLabel('Password').press('Enter');
		await page.waitForURL(`${base}/calls`);
		await page.getByRole('row').nth(2).waitFor();
		const rows = await page.locator('tbody tr').count();
		assert.equal(rows, 2, 'first page holds 2 calls');
		assert.equal(await page.getByRole('link', { name: 'Calls', exact: true }).getAttribute('aria-current'), 'page');
		assert.match(await page.locator('tbody tr').first().innerText(), /Discovery: Acme Corp[\s\S]*4 Mar 2024, 15:00[\s\S]*30:34[\s\S]*Outbound/);
		await shot('03-calls');
	});

	await check('cursor paging follows records.cursor', async () => {
		await page.getByRole('link', { name: 'Next page' }).click();
		await page.waitForURL(`${base}/calls?cursor=1`);
		await page.getByRole('link', { name: /Quarterly review/ }).waitFor();
		assert.equal(await page.locator('tbody tr').count(), 1);
		assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0);
		await page.getByRole('link', { name: 'First page' }).click();
		await page.waitForURL(`${base}/calls`);
	});

	await check('the date filter goes to the URL and to fromDateTime/toDateTime', async () => {
		await page.getByLabel('From').fill('2024-03-10');
		await page.getByLabel('To').fill('2024-03-11');
		await page.getByRole('button', { name: 'Apply' }).click();
		await page.waitForURL(`${base}/calls?from=2024-03-10&to=2024-03-11`);
		await page.getByRole('link', { name: /Pricing follow-up/ }).waitFor();
		assert.equal(await page.locator('tbody tr').count(), 1);
		const sent = requests.filter((r) => r.path === '/v2/calls').at(-1);
		assert.equal(sent.query, '?fromDateTime=2024-03-10T00%3A00%3A00.000Z&toDateTime=2024-03-12T00%3A00%3A00.000Z');
		// An empty range is Gong's 404, shown as an empty list.
		await page.goto(`${base}/calls?from=2020-01-01&to=2020-01-02`);
		await page.getByText('No calls in these dates.').waitFor();
		assert.equal(await page.getByRole('alert').count(), 0);
	});

	await check('the phone layout of the calls list', async () => {
		await page.goto(`${base}/calls`);
		await page.locator('tbody tr').first().waitFor();
		await page.setViewportSize({ width: 390, height: 844 });
		await shot('04-calls-phone');
		await page.setViewportSize({ width: 1280, height: 860 });
	});

	const id = CALLS[0].id;
	await check('a call opens with its transcript and a playable recording', async () => {
		await page.getByRole('link', { name: 'Discovery: Acme Corp' }).click();
		await page.waitForURL(`${base}/calls/${id}`);
		await page.getByRole('heading', { name: 'Discovery: Acme Corp' }).waitFor();
		const items = page.locator('ol.transcript > li');
		await items.first().waitFor();
		assert.equal(await items.count(), LINES.length);
		assert.match(await items.nth(0).innerText(), /Ada Lovelace[\s\S]*Hi Dana/);
		assert.match(await items.nth(1).innerText(), /Dana Buyer/);
		assert.match(await items.nth(4).innerText(), /Speaker 1/, 'a speaker no party names is numbered');
		const extensive = requests.filter((r) => r.path === '/v2/calls/extensive').at(-1);
		assert.equal(extensive.csrf, 'stub-csrf-token', 'POST carries x-csrf-token');
		const src = await page.locator('audio').getAttribute('src');
		assert.equal(src, `/parley/v1/calls/${id}/media?expires=4102444800&signature=stub-signature`);
		await page.waitForFunction(() => document.querySelector('audio').readyState >= 1);
		assert.equal(Math.round(await page.locator('audio').evaluate((a) => a.duration)), 24);
		await shot('05-call');
	});

	await check('clicking a timestamp seeks the player and marks the segment', async () => {
		await page.getByRole('button', { name: 'Play from 0:10' }).click();
		await page.waitForFunction(() => document.querySelector('li[aria-current="true"]')?.id === 'seg-3');
		const t = await page.locator('audio').evaluate((a) => a.currentTime);
		assert.ok(t >= 10.4 && t < 11.5, `currentTime ${t}`);
		await page.locator('audio').evaluate((a) => a.pause());
	});

	await check('setting currentTime marks the segment that contains it (edges included)', async () => {
		for (const [t, want] of [[3.2, 'seg-1'], [3.19, 'seg-0'], [14.8, 'seg-4'], [23, 'seg-5'], [0, 'seg-0']]) {
			await page.locator('audio').evaluate((a, t) => (a.currentTime = t), t);
			await page.waitForFunction((w) => document.querySelector('li[aria-current="true"]')?.id === w, want);
			assert.equal(await page.locator('li[aria-current="true"]').count(), 1);
		}
		await page.getByRole('button', { name: 'Play from 0:14' }).click();
		await page.locator('audio').evaluate((a) => a.pause());
	});

	await check('dark mode', async () => {
		await page.emulateMedia({ colorScheme: 'dark' });
		await page.evaluate(() => window.scrollTo(0, 0));
		await shot('06-call-dark');
		await page.goto(`${base}/calls`);
		await page.locator('tbody tr').first().waitFor();
		await shot('07-calls-dark');
		await page.emulateMedia({ colorScheme: 'light' });
	});

	await check("a call's `url` (/call?id=) reaches the call page; no transcript is said so", async () => {
		await page.goto(`${base}/call?id=${CALLS[1].id}`);
		await page.waitForURL(`${base}/calls/${CALLS[1].id}`);
		await page.getByText('No transcript yet.').waitFor();
	});

	await check('an unknown call shows the API message', async () => {
		await page.goto(`${base}/calls/123`);
		assert.match(await page.getByRole('alert').innerText(), /No calls found corresponding to the provided filters/);
	});

	await check('pages not built yet say so, by keyboard too', async () => {
		await page.goto(`${base}/calls`);
		await page.getByRole('link', { name: 'Scorecards' }).focus();
		await page.keyboard.press('Enter');
		await page.waitForURL(`${base}/scorecards`);
		await page.getByText('Not yet.').waitFor();
		await shot('08-not-yet');
	});

	await check('an ended session (401) leads back to sign-in, then to where one was', async () => {
		await context.clearCookies();
		await page.goto(`${base}/calls/${id}`);
		await page.waitForURL(`${base}/sign-in?next=${encodeURIComponent(`/calls/${id}`)}`);
		await page.getByLabel('Email').fill(USER.email);
		await page.getByLabel('Password').fill(USER.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(`${base}/calls/${id}`);
	});

	await check('signing out ends the session', async () => {
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL(`${base}/sign-in`);
		const del = requests.filter((r) => r.path === '/parley/v1/session' && r.method === 'DELETE').at(-1);
		assert.equal(del.csrf, 'stub-csrf-token');
		await page.goto(`${base}/calls`);
		await page.waitForURL(/\/sign-in\?next=/);
	});

	await check('a missing hashed asset is a 404, not the SPA shell', async () => {
		const r = await page.request.get(`${base}/_app/immutable/nope.js`);
		assert.equal(r.status(), 404);
	});
} catch (e) {
	run.failed(e);
} finally {
	await browser.close();
	server.close();
}

run.finish(`smoke passed; screenshots in ${shots}`);
