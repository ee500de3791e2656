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
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Run, launch, shots, watchedPage } from './harness.mjs';
import { spawnSync } from 'node:child_process';

const base = (process.argv[2] ?? '').replace(/\/$/, '');
const email = process.env.PARLEY_E2E_EMAIL;
const password = process.env.PARLEY_E2E_PASSWORD;
const id = process.env.PARLEY_E2E_CALL;
// Optional: a WAV of people talking to upload (else a tone), and the command that runs the
// queued transcription and analysis (`parley worker --drain`, as a JSON argv), which the
// server started with --no-workers leaves to it.
const speech = process.env.PARLEY_E2E_SPEECH;
const transcribeQueued = process.env.PARLEY_E2E_TRANSCRIBE_QUEUED;
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

/** A mono 16-bit 8 kHz WAV of a 440 Hz tone. */
function toneWav(seconds) {
	const rate = 8000;
	const n = rate * seconds;
	const b = Buffer.alloc(44 + 2 * n);
	b.write('RIFF', 0);
	b.writeUInt32LE(36 + 2 * n, 4);
	b.write('WAVEfmt ', 8);
	b.writeUInt32LE(16, 16);
	b.writeUInt16LE(1, 20);
	b.writeUInt16LE(1, 22);
	b.writeUInt32LE(rate, 24);
	b.writeUInt32LE(2 * rate, 28);
	b.writeUInt16LE(2, 32);
	b.writeUInt16LE(16, 34);
	b.write('data', 36);
	b.writeUInt32LE(2 * n, 40);
	for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + 2 * i);
	return b;
}

/** The audio element's state. */
const player = (page) => page.locator('audio').evaluate((a) => ({ t: a.currentTime, paused: a.paused, duration: a.duration }));
const marked = (page) => page.evaluate(() => document.querySelector('li[aria-current="true"]')?.id);

/** The call's sentence starts in seconds, in the order the page lists them. */
async function sentenceStarts(page) {
	const r = await page.request.get(`${base}/parley/v1/calls/${id}/transcript`);
	assert.equal(r.status(), 200);
	return (await r.json()).transcript
		.flatMap((m) => m.sentences.map((s) => s.start / 1000))
		.sort((a, b) => a - b);
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

	await check("the calls list searches the server: the call's title finds it; a search that matches nothing says so", async () => {
		const meta = await (await page.request.get(`${base}/v2/calls/${id}`)).json();
		const title = meta.call.title;
		const box = page.getByRole('searchbox', { name: 'Search calls' });
		await box.fill(title);
		await box.press('Enter');
		await page.waitForURL((u) => u.searchParams.get('q') === title);
		await page.locator(`a[href="/calls/${id}"]`).waitFor();
		// Every row the server answered has the title (or a participant with it).
		const api = await (await page.request.get(`${base}/parley/v1/calls?q=${encodeURIComponent(title)}`)).json();
		assert.ok(api.calls.some((c) => c.id === id), JSON.stringify(api.calls.map((c) => c.title)));
		assert.equal(await page.locator('tbody tr').count(), api.calls.length);
		await box.fill('no call is called this 7f3a');
		await box.press('Enter');
		await page.getByText('No calls match this filter.').waitFor();
		await page.goto(`${base}/calls`);
		await page.locator(`a[href="/calls/${id}"]`).waitFor();
	});

	await check("the calls list finds words said in the call's transcript: the sentence under the row, its time opening the call there", async () => {
		const r = await page.request.get(`${base}/parley/v1/calls/${id}/transcript`);
		const sentences = (await r.json()).transcript.flatMap((m) => m.sentences);
		// Three words in a row of the longest sentence, searched as the user typed them.
		const longest = sentences.reduce((a, b) => (b.text.length > a.text.length ? b : a));
		const words = longest.text.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
		assert.ok(words.length >= 3, longest.text);
		const phrase = words.slice(0, 3).join(' ');
		const api = await (await page.request.get(`${base}/parley/v1/calls?q=${encodeURIComponent(phrase)}`)).json();
		const found = api.calls.find((c) => c.id === id);
		assert.ok(found, `${phrase} finds the call: ${JSON.stringify(api.calls.map((c) => c.title))}`);
		assert.ok(found.transcriptMatch, JSON.stringify(found));
		await page.goto(`${base}/calls?q=${encodeURIComponent(phrase)}`);
		const row = page.locator('tbody tr').filter({ has: page.locator(`a[href="/calls/${id}"]`) });
		const hit = row.locator('xpath=following-sibling::tr[1]');
		await hit.locator('mark').first().waitFor();
		assert.equal(await hit.evaluate((tr) => tr.classList.contains('hit')), true);
		assert.equal(await hit.locator('q').innerText(), found.transcriptMatch.text);
		await hit.locator('a.at').click();
		await page.waitForURL((u) => u.pathname === `/calls/${id}` && u.searchParams.has('t'));
		const at = Number(new URL(page.url()).searchParams.get('t'));
		assert.ok(Math.abs(at - found.transcriptMatch.startMs / 1000) < 0.01, `t=${at}`);
		await page.waitForFunction(() => document.querySelector('audio')?.readyState >= 1);
		const { t } = await player(page);
		assert.ok(Math.abs(t - at) < 0.05, `the player is at ${t}, not ${at}`);
		await page.goto(`${base}/calls`);
		await page.locator(`a[href="/calls/${id}"]`).waitFor();
	});

	await check('a call opens from the list with its transcript and recording', async () => {
		await page.locator(`a[href="/calls/${id}"]`).click();
		await page.waitForURL(`${base}/calls/${id}`);
		await page.getByRole('heading', { level: 1 }).waitFor();
		const items = page.locator('ol.transcript > li');
		await items.first().waitFor();
		// A long transcript comes in chunks (Transcript.svelte): the list is aria-busy until whole.
		await page.locator('ol.transcript[aria-busy="false"]').waitFor();
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
		// The first play is a listen of the signed-in user in the activity stats.
		const listened = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/parley/v1/activity'));
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
		const l = await listened;
		assert.equal(l.status(), 201, await l.text());
		assert.equal(l.request().postDataJSON().kind, 'listen');
		// It plays: time moves on by itself.
		const t0 = await page.locator('audio').evaluate((a) => a.currentTime);
		await buttons.nth(1).click();
		const t1 = await page.locator('audio').evaluate((a) => a.currentTime);
		await page.waitForFunction((t) => document.querySelector('audio').currentTime > t + 0.3, t1, { timeout: 10_000 });
		assert.notEqual(t0, t1);
		await shot('04-call-playing');
		await page.locator('audio').evaluate((a) => a.pause());
	});

	await check('the timeline has one lane per speaker of the transcript, with their turns', async () => {
		const r = await page.request.get(`${base}/parley/v1/calls/${id}/transcript`);
		assert.equal(r.status(), 200);
		const speakers = new Set((await r.json()).transcript.map((m) => m.speakerId));
		const lanes = page.locator('.timeline .lane');
		assert.equal(await lanes.count(), speakers.size, `${speakers.size} speakers`);
		for (let i = 0; i < speakers.size; i++) {
			assert.ok((await lanes.nth(i).locator('.bar').count()) > 0, `lane ${i} has turns`);
			assert.ok(speakers.has(await lanes.nth(i).getAttribute('data-speaker')));
		}
		const labels = await page.locator('.timeline .labels .label').allInnerTexts();
		for (const l of labels.slice(0, speakers.size)) assert.match(l, /\S+\s+\d+% · (Company|Non-company|Side unknown)/);
		const shares = labels.slice(0, speakers.size).map((l) => Number(/(\d+)%/.exec(l)[1]));
		const sum = shares.reduce((a, b) => a + b, 0);
		assert.ok(sum >= 98 && sum <= 102, `talk shares add up to ${sum}%`);
	});

	await check('a click on a lane, and on a tracker marker if any, seeks the player', async () => {
		await page.locator('audio').evaluate((a) => a.pause());
		const { duration } = await player(page);
		await page.locator('.timeline').scrollIntoViewIfNeeded();
		const box = await page.locator('.timeline .lanes').boundingBox();
		await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
		let { t } = await player(page);
		assert.ok(Math.abs(t - duration / 2) < 1, `clicked the middle of ${duration} s: currentTime ${t}`);
		const head = await page.locator('.timeline .playhead').evaluate((h) => parseFloat(h.style.left));
		assert.ok(Math.abs(head - 50) < 3, `playhead at ${head}%`);
		// ui_e2e.rs analysed the call: it has topic spans, and tracker markers when a
		// tracker fired.
		const spans = page.locator('.timeline .topic');
		const markers = page.locator('.timeline .marker');
		console.log(`    (${await spans.count()} topic spans and ${await markers.count()} tracker markers on the timeline)`);
		assert.ok((await spans.count()) > 0, 'topic spans from the analysis');
		for (const m of [spans.nth(1), markers.first()]) {
			if (!(await m.count())) continue;
			const label = await m.getAttribute('aria-label');
			const at = secondsOf(/(\d+(?::\d+)+)/.exec(label)[1]);
			await m.click();
			({ t } = await player(page));
			const reachable = Math.min(at, duration);
			assert.ok(t >= reachable - 0.01 && t < reachable + 3, `${label}: currentTime ${t} (recording of ${duration} s)`);
		}
		await page.locator('audio').evaluate((a) => a.pause());
		// The transcript followed the seek: the sentence playing is in its box's view.
		await page.waitForFunction(() => {
			const b = document.querySelector('.transcript-box');
			const r = document.querySelector('li[aria-current="true"]');
			return r && r.offsetTop >= b.scrollTop && r.offsetTop + r.offsetHeight <= b.scrollTop + b.clientHeight;
		});
		await shot('05-call-timeline');
	});

	await check('the summary panel shows what the server has, and its moments seek', async () => {
		const panel = page.locator('aside.summary');
		await panel.waitFor();
		const moments = panel.locator('button.when');
		const n = await moments.count();
		console.log(`    (${n} linked moments in the summary panel)`);
		assert.ok(n > 0, 'the analysed call has moments (outline, next steps, highlights…)');
		const { duration } = await player(page);
		const label = await moments.first().getAttribute('aria-label');
		const at = Math.min(duration, secondsOf(/Play from (\d+(?::\d+)+)/.exec(label)[1]));
		await moments.first().click();
		const { t } = await player(page);
		assert.ok(t >= at - 0.01 && t < at + 3, `${label}: currentTime ${t}`);
		await page.locator('audio').evaluate((a) => a.pause());
		const text = await panel.innerText();
		for (const want of [/Brief/i, /Outline/i, /Topics/i, /Interaction\s+Talk ratio\s+\d+%/i, /Questions\s+\d+ company · \d+ non-company/i]) assert.match(text, want);
		await panel.screenshot({ path: `${shots}real-05b-summary.png` });
	});

	await check('keyboard: Space plays/pauses, ←/→ step 5 s, j/k move by sentence', async () => {
		await page.locator('audio').evaluate((a) => {
			a.pause();
			a.currentTime = 2;
		});
		await page.locator('h1').click();
		await page.keyboard.press('Space');
		await page.waitForFunction(() => !document.querySelector('audio').paused);
		await page.keyboard.press('Space');
		await page.waitForFunction(() => document.querySelector('audio').paused);
		await page.locator('audio').evaluate((a) => (a.currentTime = 2));
		await page.keyboard.press('ArrowRight');
		assert.ok(Math.abs((await player(page)).t - 7) < 0.05, '→ is +5 s');
		await page.keyboard.press('ArrowLeft');
		assert.ok(Math.abs((await player(page)).t - 2) < 0.05, '← is −5 s');
		const starts = await sentenceStarts(page);
		await page.locator('audio').evaluate((a, t) => (a.currentTime = t + 0.01), starts[1]);
		await page.waitForFunction(() => document.querySelector('li[aria-current="true"]')?.id === 'seg-1');
		await page.keyboard.press('k');
		await page.waitForFunction(() => document.querySelector('li[aria-current="true"]')?.id === 'seg-2');
		assert.ok(Math.abs((await player(page)).t - starts[2]) < 0.001, `k: to ${starts[2]} s`);
		await page.keyboard.press('j');
		await page.waitForFunction(() => document.querySelector('li[aria-current="true"]')?.id === 'seg-1');
		assert.ok((await player(page)).paused);
	});

	await check('?t= opens the call at that moment; the page fits a phone', async () => {
		await page.goto(`${base}/calls/${id}?t=0m4s`);
		await page.waitForFunction(() => document.querySelector('audio')?.readyState >= 1 && document.querySelector('audio').currentTime > 0);
		const { t, paused } = await player(page);
		assert.equal(t, 4);
		assert.ok(paused);
		const starts = await sentenceStarts(page);
		const want = starts.findLastIndex((s) => s <= 4);
		await page.waitForFunction((w) => document.querySelector('li[aria-current="true"]')?.id === w, want >= 0 ? `seg-${want}` : undefined);
		if (want >= 0) assert.equal(await marked(page), `seg-${want}`);
		await page.setViewportSize({ width: 390, height: 844 });
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
		await shot('06-call-phone');
		await page.emulateMedia({ colorScheme: 'dark' });
		await shot('07-call-phone-dark');
		await page.emulateMedia({ colorScheme: 'light' });
		await page.setViewportSize({ width: 1280, height: 860 });
	});

	await check("a call's `url` (/call?id=) reaches the call page", async () => {
		await page.goto(`${base}/call?id=${id}`);
		await page.waitForURL(`${base}/calls/${id}`);
		await page.locator('ol.transcript > li').first().waitFor();
	});

	/** A read-only POST of the API with this session's CSRF token, as the app sends it. */
	const post = async (path, body) => {
		const csrf = await page.evaluate(() => JSON.parse(localStorage.getItem('parley.session') ?? 'null')?.csrfToken);
		const r = await page.request.post(`${base}${path}`, { data: body, headers: { 'x-csrf-token': csrf ?? '' } });
		return { status: r.status(), body: r.status() === 200 ? await r.json() : null };
	};
	const fitsPhone = async () => {
		await page.setViewportSize({ width: 390, height: 844 });
		const w = await page.evaluate(() => document.documentElement.scrollWidth);
		await page.setViewportSize({ width: 1280, height: 860 });
		return w;
	};

	await check("Team: the demo reps with their stats over the last 30 days; a rep's name opens their calls", async () => {
		await page.setViewportSize({ width: 1280, height: 860 });
		await page.goto(`${base}/team`);
		const inter = page.locator('table').first();
		await inter.locator('tbody tr').first().waitFor();
		const rows = await inter.locator('tbody tr').allInnerTexts();
		// ui_e2e analyses every demo call: several reps host calls in the last 30 days
		assert.ok(rows.length >= 2, `interaction rows: ${rows.length}`);
		for (const r of rows) {
			assert.doesNotMatch(r.split('\n')[0], /@/, 'reps are named from /v2/users, not by email');
			assert.match(r, /\d+%/, `a talk ratio in ${JSON.stringify(r)}`);
		}
		// the same numbers as the API's for the first rep listed (sorted by name)
		const today = new Date();
		const day = (d) => d.toISOString().slice(0, 10);
		const api = await post('/v2/stats/interaction', { filter: { fromDate: day(new Date(today - 29 * 86400e3)), toDate: day(new Date(+today + 86400e3)) } });
		assert.equal(api.status, 200);
		assert.equal(api.body.peopleInteractionStats.length, rows.length, 'one row per rep of the API');
		const act = page.locator('table').nth(1);
		assert.ok((await act.locator('tbody tr').count()) >= 2, 'activity rows');
		const hosted = await act.locator('tbody tr td').first().innerText();
		assert.match(hosted, /^\d+$/);
		assert.equal(await page.locator('figure.strip').count(), 6);
		assert.ok((await page.locator('figure.strip').first().locator('circle').count()) >= 2);
		await page.screenshot({ path: `${shots}real-team.png`, fullPage: true });
		assert.ok((await fitsPhone()) <= 390, 'Team fits a phone');
		// drill-down: the calls of the rep who hosted most (the activity table's first row;
		// the interaction table also lists company people who only attended, and the API
		// filters calls by host only)
		assert.notEqual(hosted, '0');
		const link = act.locator('tbody tr').first().getByRole('link');
		const name = await link.innerText();
		await link.click();
		await page.waitForURL(/\/calls\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&rep=\d+$/);
		await page.getByText(`Hosted by ${name}`).waitFor();
		await page.locator('tbody tr').first().waitFor();
		const rep = new URL(page.url()).searchParams.get('rep');
		const first = await page.locator('tbody tr').first().getByRole('link').getAttribute('href');
		const r = await post('/v2/calls/extensive', { filter: { callIds: [first.split('/').pop()] } });
		assert.equal(r.body.calls[0].metaData.primaryUserId, rep, 'the listed call is hosted by the rep');
	});

	await check('Library: the demo folders; a folder lists calls whose links open', async () => {
		await page.goto(`${base}/library`);
		const nav = page.getByRole('navigation', { name: 'Library folders' });
		await nav.getByRole('link').first().waitFor();
		const folders = await nav.getByRole('link').count();
		assert.ok(folders >= 4, `demo folders: ${folders}`);
		assert.ok((await nav.locator('ul ul a').count()) >= 1, 'a nested folder');
		let opened = false;
		for (let i = 0; i < folders && !opened; i++) {
			await nav.getByRole('link').nth(i).click();
			await page.waitForFunction(() => !document.querySelector('.content')?.textContent?.includes('Loading'));
			await page.locator('.content h2').waitFor();
			const calls = page.locator('.content .calls a');
			if ((await calls.count()) === 0) continue;
			await page.screenshot({ path: `${shots}real-library.png`, fullPage: true });
			const title = await calls.first().innerText();
			await calls.first().click();
			await page.waitForURL(/\/calls\/\d+/);
			await page.getByRole('heading', { level: 1 }).waitFor();
			assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), title);
			opened = true;
		}
		assert.ok(opened, 'some demo folder holds a call');
	});

	await check('Scorecards: the demo scorecards, their averages and the answered ones', async () => {
		const defs = await page.request.get(`${base}/v2/settings/scorecards`);
		const answered = await post('/v2/stats/activity/scorecards', { filter: null });
		await page.goto(`${base}/scorecards`);
		await page.waitForFunction(() => /scorecards?, \d+\s+answered/.test(document.querySelector('.status')?.textContent ?? ''));
		if (defs.status() === 200) {
			const list = (await defs.json()).scorecards;
			assert.equal(await page.getByRole('article').count(), list.length);
			await page.getByRole('article', { name: list[0].scorecardName }).first().waitFor();
		} else {
			await page.getByText('No scorecards are defined yet.').waitFor();
		}
		if (answered.status === 200 && answered.body.answeredScorecards.length) {
			assert.ok((await page.locator('[data-scorecard-average]').count()) >= 1, 'an average score');
			assert.ok((await page.locator('tbody tr').count()) >= 1);
			await page.screenshot({ path: `${shots}real-scorecards.png`, fullPage: true });
			assert.ok((await fitsPhone()) <= 390, 'Scorecards fit a phone');
			await page.locator('tbody tr').first().getByRole('link').click();
			await page.waitForURL(/\/calls\/\d+$/);
			await page.getByRole('heading', { level: 1 }).waitFor();
		} else {
			await page.screenshot({ path: `${shots}real-scorecards.png`, fullPage: true });
		}
	});

	/** The call the Upload step makes (deleted from its call page at the end of the run). */
	let uploadedId;

	await check('Upload: a generated WAV through the page; the call is created, its media stored, transcription queued', async () => {
		const wavPath = join(mkdtempSync(join(tmpdir(), 'parley-e2e-')), 'e2e_upload-test.wav');
		// Real voices when the test gives a recording of them (a worker transcribes it later).
		const wav = speech ? readFileSync(speech) : toneWav(2);
		writeFileSync(wavPath, wav);
		const me = await (await page.request.get(`${base}/parley/v1/session`)).json();
		// The session publishes the media size limit: the page says it from the start (no 413 needed).
		assert.ok(Number.isInteger(me.limits?.maxMediaBytes) && me.limits.maxMediaBytes > 0, JSON.stringify(me.limits));
		await page.evaluate(() => localStorage.removeItem('parley.maxMediaBytes'));
		await page.goto(`${base}/upload`);
		await page.getByRole('heading', { name: 'Upload recordings' }).waitFor();
		await page.getByText(/^This server accepts files up to [\d.]+ (B|KB|MB|GB|TB); larger ones are not sent\.$/).waitFor();
		assert.equal(await page.getByText(/not known yet/).count(), 0);
		await page.locator('input[type=file]').setInputFiles(wavPath);
		const row = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'e2e_upload-test.wav' }) });
		assert.equal(await row.getByLabel('Title').inputValue(), 'e2e upload test');
		// The rep list is every active user of GET /v2/users; the signed-in user is chosen.
		await page.waitForFunction((uid) => document.querySelector('select')?.value === uid, me.userId);
		await row.getByLabel('Name').fill('Erin External');
		await row.getByLabel('Email').fill('erin@prospect.example');
		await row.getByLabel('Direction').selectOption('Inbound');
		await row.getByRole('button', { name: 'Upload', exact: true }).click();
		// --no-workers: the transcription job stays queued, and the page says so.
		await row.getByText('Queued for transcription').waitFor();
		const href = await row.getByRole('link', { name: 'Open the call' }).getAttribute('href');
		const callId = /^\/calls\/(\d+)$/.exec(href)?.[1];
		assert.ok(callId, href);
		uploadedId = callId;
		await page.screenshot({ path: `${shots}real-upload.png`, fullPage: true });
		assert.ok((await fitsPhone()) <= 390, 'Upload fits a phone');

		const jobs = await (await page.request.get(`${base}/parley/v1/calls/${callId}/jobs`)).json();
		assert.ok(jobs.jobs.some((j) => j.kind === 'transcribe' && j.state === 'queued'), JSON.stringify(jobs));
		const m = await page.request.get(`${base}/parley/v1/calls/${callId}/media`);
		assert.equal(m.status(), 200);
		assert.ok((await m.body()).length > 0, 'the media is stored');
		const ext = await post('/v2/calls/extensive', { filter: { callIds: [callId] }, contentSelector: { exposedFields: { parties: true, media: true } } });
		assert.equal(ext.status, 200);
		const c = ext.body.calls[0];
		assert.equal(c.metaData.title, 'e2e upload test');
		assert.equal(c.metaData.direction, 'Inbound');
		assert.equal(String(c.metaData.primaryUserId), me.userId);
		const erin = c.parties.find((p) => p.emailAddress === 'erin@prospect.example');
		assert.equal(erin?.name, 'Erin External');
		assert.ok(c.media?.audioUrl, 'the call has a recording');

		await row.getByRole('link', { name: 'Open the call' }).click();
		await page.waitForURL(`${base}/calls/${callId}`);
		await page.getByRole('heading', { name: 'e2e upload test' }).waitFor();
		await page.getByText('No transcript yet.').waitFor();
		await page.locator('audio').waitFor({ state: 'attached' });
		await page.screenshot({ path: `${shots}real-upload-call.png`, fullPage: true });
	});

	await check("Settings › Jobs: the upload's transcription is listed as queued (--no-workers), its call linked; no worker is working", async () => {
		assert.ok(uploadedId, 'the Upload step made a call');
		await page.goto(`${base}/settings?section=jobs&state=queued`);
		await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
		await page.locator('table.jobs tbody tr').first().waitFor();
		const row = page.locator('table.jobs tbody tr').filter({ has: page.locator(`a[href="/calls/${uploadedId}"]`) });
		assert.equal(await row.count(), 1, 'one queued job of the uploaded call');
		assert.match(await row.innerText(), /Transcription[\s\S]*Queued/);
		assert.match(await page.getByTestId('job-counts').innerText(), /\d+ queued/);
		// `--no-workers`: no process runs jobs, so none reports, and the page says how to start one.
		const workers = page.getByTestId('worker-summary');
		await workers.waitFor();
		assert.equal(
			await workers.innerText(),
			'No worker is working: queued jobs wait until one starts (parley serve without --no-workers, or parley worker).'
		);
		// (A one-off command that ran jobs and stopped may be listed, as stopped: none is working.)
		assert.equal(await page.locator('table.workers .badge.alive').count(), 0, 'no worker listed as working');
		await page.getByText(/Refreshed at/).waitFor();
		await page.screenshot({ path: `${shots}real-jobs.png`, fullPage: true });
		assert.ok((await fitsPhone()) <= 390, 'Jobs fit a phone');
	});

	await check('Settings: add a tracker, preview it over recent calls, and see it back-filled', async () => {
		// A word of the newest transcribed call: the preview reads the most recent calls.
		const all = [];
		for (let cursor, i = 0; i < 50; i++) {
			const r = await page.request.get(`${base}/v2/calls${cursor ? `?cursor=${cursor}` : ''}`);
			assert.equal(r.status(), 200);
			const body = await r.json();
			all.push(...body.calls);
			cursor = body.records.cursor;
			if (!cursor) break;
		}
		all.sort((a, b) => b.started.localeCompare(a.started) || b.id.localeCompare(a.id));
		let target;
		let word;
		for (const c of all.slice(0, 10)) {
			const r = await page.request.get(`${base}/parley/v1/calls/${c.id}/transcript`);
			if (r.status() !== 200) continue;
			const words = (await r.json()).transcript.flatMap((m) => m.sentences.flatMap((x) => x.text.split(/[^A-Za-z]+/))).filter((w) => w.length >= 7);
			if (words.length) {
				target = c;
				word = words[0].toLowerCase();
				break;
			}
		}
		assert.ok(target, 'a recent demo call with a transcript');

		await page.goto(`${base}/calls`);
		await page.getByRole('link', { name: 'Settings', exact: true }).click();
		await page.waitForURL(`${base}/settings`);
		const tabs = await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link').allInnerTexts();
		assert.deepEqual(tabs, ['Trackers', 'Topics', 'Automation', 'Users', 'Permission profiles', 'API keys', 'Workspaces', 'Jobs', 'OAuth apps', 'CRM connections'], 'an admin manages them all');
		await page.getByRole('heading', { name: 'Trackers', exact: true }).waitFor();
		await page.getByRole('button', { name: 'New tracker' }).first().click();
		await page.getByLabel('Name').fill('E2E needle');
		if (await page.getByLabel('Workspace').count()) await page.getByLabel('Workspace').selectOption(target.workspaceId);
		await page.getByLabel('Keywords').fill(word);
		await page.getByRole('button', { name: 'Preview matches' }).click();
		const preview = page.locator('.preview');
		await preview.getByText(/\d+ match(es)? in \d+ of the \d+ most recent transcribed calls\./).waitFor();
		assert.ok(await preview.getByRole('link', { name: target.title, exact: true }).count(), `the preview lists ${target.title}`);
		assert.equal((await preview.locator('mark').first().innerText()).toLowerCase(), word);
		await page.screenshot({ path: `${shots}real-settings-preview.png`, fullPage: true });
		// Nothing stored by the preview.
		const before = await (await page.request.get(`${base}/parley/v1/trackers`)).json();
		assert.ok(!before.keywordTrackers.some((t) => t.trackerName === 'E2E needle'));

		await page.getByRole('button', { name: 'Save tracker' }).click();
		const status = page.locator('.backfill');
		await status.getByText(/E2E needle saved\. Back-fill queued/).waitFor();
		await page.getByRole('row', { name: /E2E needle/ }).waitFor();
		// `--no-workers` leaves the back-fill queued: run the queued analysis jobs as a
		// worker would (`parley analyze --queued`, which ui_e2e.rs passes).
		const command = process.env.PARLEY_E2E_ANALYZE_QUEUED;
		if (!command) {
			console.log('    (PARLEY_E2E_ANALYZE_QUEUED not set: the back-fill is not run)');
			return;
		}
		const [bin, ...args] = JSON.parse(command);
		const ran = spawnSync(bin, args, { encoding: 'utf8', timeout: 120_000 });
		assert.equal(ran.status, 0, `parley analyze --queued: ${ran.stderr}`);
		await status.getByText('Back-filled: every past call is up to date').waitFor({ timeout: 30_000 });
		await page.screenshot({ path: `${shots}real-settings-backfilled.png`, fullPage: true });

		// The call has the tracker's hits now, in the API and on its page.
		const r = await page.request.post(`${base}/v2/calls/extensive`, {
			headers: { 'x-csrf-token': await page.evaluate(() => JSON.parse(localStorage.getItem('parley.session')).csrfToken) },
			data: { filter: { callIds: [target.id] }, contentSelector: { exposedFields: { content: { trackers: true } } } }
		});
		assert.equal(r.status(), 200);
		const hits = (await r.json()).calls[0].content.trackers.find((t) => t.name === 'E2E needle');
		assert.ok(hits?.count >= 1, `E2E needle back-filled on ${target.id}: ${JSON.stringify(hits)}`);
		await page.goto(`${base}/calls/${target.id}`);
		await page.locator('aside.summary').getByText(/E2E needle ×\d+/).waitFor();

		// Phone width and dark mode.
		await page.goto(`${base}/settings`);
		await page.getByRole('row', { name: /E2E needle/ }).waitFor();
		await page.setViewportSize({ width: 390, height: 844 });
		await page.emulateMedia({ colorScheme: 'dark' });
		const w = await page.evaluate(() => document.documentElement.scrollWidth);
		assert.ok(w <= 390, `settings is ${w}px wide at 390px`);
		await page.screenshot({ path: `${shots}real-settings-phone-dark.png`, fullPage: true });
		await page.setViewportSize({ width: 1280, height: 860 });
		await page.emulateMedia({ colorScheme: 'light' });
	});

	// ---- call page: correct a speaker, fill a scorecard, comment, library (ui-callpage) ----
	/** A JSON request with the session's CSRF token (for the API checks around the UI's). */
	const send = async (method, path, body) => {
		const csrf = await page.evaluate(() => JSON.parse(localStorage.getItem('parley.session') ?? 'null')?.csrfToken);
		const r = await page.request.fetch(`${base}${path}`, { method, data: body, headers: { 'x-csrf-token': csrf ?? '' } });
		return { status: r.status(), body: await r.json().catch(() => null) };
	};
	const partyName = (p) => p.name?.trim() || p.emailAddress?.trim() || p.phoneNumber?.trim() || 'Unnamed participant';
	const literally = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

	await check('correct a speaker: the dialog ties a voice to another participant; transcript, lanes and API follow', async () => {
		await page.setViewportSize({ width: 1280, height: 860 });
		await page.goto(`${base}/calls/${id}`);
		await page.locator('ol.transcript > li').first().waitFor();
		const t = await (await page.request.get(`${base}/parley/v1/calls/${id}/transcript`)).json();
		// The page's order: sentences by start (stable), so a voice's first row is known.
		const rows = t.transcript.flatMap((m) => m.sentences.map((s) => ({ speakerId: m.speakerId, start: s.start }))).sort((a, b) => a.start - b.start);
		const voice = rows[0].speakerId;
		const row = rows.findIndex((r) => r.speakerId === voice);
		const parties = (await post('/v2/calls/extensive', { filter: { callIds: [id] }, contentSelector: { exposedFields: { parties: true } } })).body.calls[0].parties;
		const before = parties.find((p) => p.speakerId === voice);
		// Another participant: one without a voice if there is one, else someone else's.
		const target = parties.find((p) => !p.speakerId && p.id !== before?.id) ?? parties.find((p) => p.id !== before?.id);
		assert.ok(target, `the call has another participant than ${before?.id}: ${JSON.stringify(parties)}`);
		// textContent: in a transcript of more than 200 sentences, rows out of view skip layout
		// (content-visibility: auto) and their innerText is empty.
		const label = await page.locator(`#seg-${row} button.speaker`).textContent();

		const change = page.getByRole('button', { name: `Change who ${label} is` });
		await change.focus();
		await page.keyboard.press('Enter');
		const dialog = page.getByRole('dialog', { name: `Who is ${label}?` });
		await dialog.waitFor();
		const radio = dialog.getByRole('radio', { name: new RegExp(`^${literally(partyName(target))}\\s*(Company|Non-company|Side unknown) ·`) });
		await radio.focus();
		await page.keyboard.press('Space');
		assert.equal(await radio.isChecked(), true);
		await page.screenshot({ path: `${shots}real-speaker-dialog.png` });
		await dialog.getByRole('button', { name: 'Save' }).press('Enter');
		await dialog.waitFor({ state: 'hidden' });
		await page.getByRole('status').filter({ hasText: `${label} is now ${partyName(target)}.` }).waitFor();
		assert.equal(await page.locator(`#seg-${row} button.speaker`).textContent(), partyName(target));
		assert.match(await page.locator('.timeline .labels').innerText(), new RegExp(literally(partyName(target))));
		// The API agrees: the voice is now the target's (the demo's transcripts have no voice
		// records of their own, so the parties of the call say it).
		const partiesAfter = (await post('/v2/calls/extensive', { filter: { callIds: [id] }, contentSelector: { exposedFields: { parties: true } } })).body.calls[0].parties;
		assert.equal(partiesAfter.find((p) => p.id === target.id)?.speakerId, voice, JSON.stringify(partiesAfter));
		// A reload shows the same (the server kept it).
		await page.reload();
		await page.locator(`#seg-${row} button.speaker`).filter({ hasText: partyName(target) }).waitFor();
		await page.screenshot({ path: `${shots}real-speaker-corrected.png`, fullPage: true });
		// Put it back, so the steps after this one see the demo's speakers.
		if (target.speakerId) assert.equal((await send('PUT', `/parley/v1/calls/${id}/speakers/${target.speakerId}`, { partyId: target.id })).status, 200);
		if (before) assert.equal((await send('PUT', `/parley/v1/calls/${id}/speakers/${voice}`, { partyId: before.id })).status, 200);
	});

	await check('fill a scorecard on the call: every question answered, saved, listed, and in the API', async () => {
		const call = (await post('/v2/calls/extensive', { filter: { callIds: [id] }, contentSelector: {} })).body.calls[0].metaData;
		const defs = (await (await page.request.get(`${base}/parley/v1/scorecards?workspaceId=${call.workspaceId}`)).json()).scorecards;
		const card = defs.find((d) => d.enabled && d.questions.length);
		assert.ok(card, `the demo has an enabled scorecard in workspace ${call.workspaceId}`);
		const beforeIds = new Set((await (await page.request.get(`${base}/parley/v1/calls/${id}/scorecards`)).json()).answeredScorecards.map((a) => a.answeredScorecardId));
		await page.goto(`${base}/calls/${id}`);
		await page.getByRole('button', { name: 'Scorecards', exact: true }).click();
		const panel = page.locator('section.scorecards');
		await panel.getByLabel('Scorecard').selectOption({ label: card.scorecardName });
		const expected = {};
		for (const q of card.questions) {
			const group = panel.getByRole('group', { name: new RegExp(`^${literally(q.questionText)}( \\(required\\))?$`) });
			switch (q.questionType) {
				case 'RANGE': {
					const max = Number(q.maxRange ?? 5);
					const min = Number(q.minRange ?? 1);
					if (max - min + 1 <= 20) await group.getByRole('radio', { name: String(max), exact: true }).check();
					else await group.getByLabel('Score').fill(String(max));
					expected[q.questionId] = { score: max };
					break;
				}
				case 'OPEN_ENDED':
					await group.getByLabel('Answer').fill('Checked by the end-to-end test.');
					expected[q.questionId] = { answerText: 'Checked by the end-to-end test.' };
					break;
				default: {
					const o = q.answerOptions[0];
					await group.getByLabel(o.text, { exact: true }).check();
					expected[q.questionId] = { selectedOptions: [o.id] };
				}
			}
		}
		await page.screenshot({ path: `${shots}real-scorecard-form.png`, fullPage: true });
		await panel.getByRole('button', { name: 'Save scorecard' }).click();
		await panel.getByRole('status').filter({ hasText: `Saved “${card.scorecardName}”.` }).waitFor();
		const now = (await (await page.request.get(`${base}/parley/v1/calls/${id}/scorecards`)).json()).answeredScorecards;
		const made = now.filter((a) => !beforeIds.has(a.answeredScorecardId));
		assert.equal(made.length, 1, 'one answered scorecard more');
		const a = made[0];
		assert.equal(a.scorecardId, card.scorecardId);
		assert.equal(a.callId, id);
		assert.equal(a.reviewedUserId, call.primaryUserId);
		for (const q of card.questions) {
			const got = a.answers.find((x) => x.questionId === q.questionId);
			assert.ok(got && !got.notApplicable, `question ${q.questionText} answered`);
			const want = expected[q.questionId];
			if ('score' in want) assert.equal(got.score, want.score);
			if ('answerText' in want) assert.equal(got.answerText, want.answerText);
			if ('selectedOptions' in want) assert.ok(got.selectedOptions?.length === 1, JSON.stringify(got));
		}
		const first = panel.locator('.answered > li').first();
		assert.match(await first.innerText(), new RegExp(literally(card.scorecardName)));
		await page.emulateMedia({ colorScheme: 'dark' });
		assert.ok((await fitsPhone()) <= 390, 'the call page with its scorecard panel fits a phone');
		await page.setViewportSize({ width: 390, height: 844 });
		await page.screenshot({ path: `${shots}real-scorecard-phone-dark.png`, fullPage: true });
		await page.setViewportSize({ width: 1280, height: 860 });
		await page.emulateMedia({ colorScheme: 'light' });
		// Edit it: the form opens with its answers; one changed answer is saved (PUT) and the API has it.
		const rq = card.questions.find((q) => q.questionType === 'RANGE' && Number(q.maxRange ?? 5) > Number(q.minRange ?? 1));
		const tq = card.questions.find((q) => q.questionType === 'OPEN_ENDED');
		assert.ok(rq || tq, `the scorecard has a range or open question to change: ${JSON.stringify(card.questions)}`);
		await panel.locator(`#sc-e-${a.answeredScorecardId}`).click();
		await panel.getByRole('button', { name: 'Save changes' }).waitFor();
		const groupOf = (q) => panel.getByRole('group', { name: new RegExp(`^${literally(q.questionText)}( \\(required\\))?$`) });
		let changed;
		if (rq) {
			const max = Number(rq.maxRange ?? 5);
			const min = Number(rq.minRange ?? 1);
			if (max - min + 1 <= 20) {
				assert.equal(await groupOf(rq).getByRole('radio', { name: String(max), exact: true }).isChecked(), true, 'prefilled score');
				await groupOf(rq).getByRole('radio', { name: String(min), exact: true }).check();
			} else {
				assert.equal(await groupOf(rq).getByLabel('Score').inputValue(), String(max), 'prefilled score');
				await groupOf(rq).getByLabel('Score').fill(String(min));
			}
			changed = { questionId: rq.questionId, score: min };
		} else {
			assert.equal(await groupOf(tq).getByLabel('Answer').inputValue(), 'Checked by the end-to-end test.', 'prefilled answer');
			await groupOf(tq).getByLabel('Answer').fill('Edited by the end-to-end test.');
			changed = { questionId: tq.questionId, answerText: 'Edited by the end-to-end test.' };
		}
		const putDone = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/parley/v1/calls/${id}/scorecards/${a.answeredScorecardId}`));
		await panel.getByRole('button', { name: 'Save changes' }).click();
		assert.equal((await putDone).status(), 200);
		await panel.getByRole('status').filter({ hasText: `Saved the changes to “${card.scorecardName}”.` }).waitFor();
		const edited = (await (await page.request.get(`${base}/parley/v1/calls/${id}/scorecards`)).json()).answeredScorecards.find((x) => x.answeredScorecardId === a.answeredScorecardId);
		assert.ok(edited, 'the edited scorecard keeps its id');
		const got = edited.answers.find((x) => x.questionId === changed.questionId);
		if ('score' in changed) assert.equal(got?.score, changed.score, JSON.stringify(edited.answers));
		else assert.equal(got?.answerText, changed.answerText, JSON.stringify(edited.answers));
		for (const q of card.questions) assert.ok(edited.answers.find((x) => x.questionId === q.questionId && !x.notApplicable), `question ${q.questionText} still answered`);
		// Leave the demo as it was.
		assert.equal((await send('DELETE', `/parley/v1/calls/${id}/scorecards/${a.answeredScorecardId}`)).status, 200);
	});

	await check('a comment at the moment, with an @mention, is stored and marked on the timeline', async () => {
		await page.goto(`${base}/calls/${id}`);
		await page.locator('ol.transcript > li').first().waitFor();
		await page.waitForFunction(() => document.querySelector('audio').readyState >= 1);
		await page.locator('audio').evaluate((a) => (a.currentTime = 4.25));
		await page.waitForFunction(() => document.querySelector('.clock')?.textContent?.startsWith('0:04'));
		await page.getByRole('button', { name: /^Comments/ }).click();
		const panel = page.locator('section.comments');
		const box = panel.getByLabel('Comment', { exact: true });
		await box.click();
		await box.pressSequentially('End-to-end note for @');
		await panel.getByRole('option').first().waitFor();
		await page.keyboard.press('Enter');
		const who = /@\[([^\]]+)\]\(\d+\) $/.exec(await box.inputValue())?.[1];
		assert.ok(who, `a mention was inserted: ${await box.inputValue()}`);
		await panel.getByRole('button', { name: 'Comment', exact: true }).click();
		await panel.getByRole('status').filter({ hasText: 'Comment added at 0:04.' }).waitFor();
		const list = (await (await page.request.get(`${base}/parley/v1/calls/${id}/comments`)).json()).comments;
		const mine = list.find((c) => c.comment.startsWith('End-to-end note for @['));
		assert.ok(mine, JSON.stringify(list));
		assert.equal(mine.audioStartTime, 4.2);
		assert.match(mine.comment, new RegExp(`@\\[${literally(who)}\\]\\(\\d+\\)`));
		await page.getByRole('button', { name: /^Comment at 0:04: End-to-end note for @/ }).waitFor();
		await page.screenshot({ path: `${shots}real-comment.png`, fullPage: true });
		// Reply to it through the page: the API has the reply, tied to it by inReplyTo.
		await panel.locator(`#cm-r-${mine.id}`).click();
		const form = panel.getByRole('form', { name: /^Reply to / });
		await form.getByLabel('Reply').fill('End-to-end reply.');
		const replied = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/parley/v1/calls/${id}/comments`));
		await form.getByRole('button', { name: 'Send reply' }).click();
		assert.equal((await replied).status(), 201);
		await panel.getByRole('status').filter({ hasText: 'Reply added.' }).waitFor();
		const withReply = (await (await page.request.get(`${base}/parley/v1/calls/${id}/comments`)).json()).comments;
		const reply = withReply.find((c) => c.comment === 'End-to-end reply.');
		assert.ok(reply, JSON.stringify(withReply));
		assert.equal(String(reply.inReplyTo), String(mine.id));
		await panel.locator('.replies').getByText('End-to-end reply.').waitFor();
		// Delete the reply through the page (asked first): the API no longer has it; its comment stays.
		await panel.locator(`#cm-d-${reply.id}`).click();
		const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith(`/parley/v1/calls/${id}/comments/${reply.id}`));
		await panel.getByRole('group', { name: 'Delete this comment' }).getByRole('button', { name: 'Yes, delete' }).click();
		assert.equal((await deleted).status(), 200);
		await panel.getByRole('status').filter({ hasText: 'Comment deleted.' }).waitFor();
		const afterDelete = (await (await page.request.get(`${base}/parley/v1/calls/${id}/comments`)).json()).comments;
		assert.ok(!afterDelete.some((c) => c.id === reply.id), JSON.stringify(afterDelete));
		assert.ok(afterDelete.some((c) => c.id === mine.id), 'the comment replied to stays');
		assert.equal(await panel.getByText('End-to-end reply.').count(), 0);
		assert.equal((await send('DELETE', `/parley/v1/calls/${id}/comments/${mine.id}`)).status, 200);
	});

	await check('the call goes into a library folder', async () => {
		await page.getByRole('button', { name: 'Add to library' }).click();
		const form = page.getByRole('form', { name: 'Add this call to a library folder' });
		const folder = form.getByLabel('Folder');
		await folder.waitFor();
		const name = (await folder.locator('option:checked').innerText()).replace(/^(— )+/, '');
		const folderId = await folder.inputValue();
		await form.getByLabel('Note').fill('Added by the end-to-end test');
		await form.getByRole('button', { name: 'Add', exact: true }).click();
		await page.getByRole('status').filter({ hasText: `Added to ${name}.` }).waitFor();
		const content = await (await page.request.get(`${base}/v2/library/folder-content?folderId=${folderId}`)).json();
		assert.ok(content.calls.some((c) => c.id === id && c.note === 'Added by the end-to-end test'), JSON.stringify(content.calls));
	});

	await check('the call is shared outside the company: the link opens it in a browser with no session; revoked, it no longer opens', async () => {
		await page.goto(`${base}/calls/${id}`);
		const title = await page.getByRole('heading', { level: 1 }).innerText();
		await page.getByRole('button', { name: 'Share', exact: true }).click();
		const dialog = page.getByRole('dialog', { name: 'Share outside the company' });
		await dialog.waitFor();
		await dialog.getByLabel('Recipient (optional)').fill('buyer@customer.example');
		await dialog.getByRole('button', { name: 'Create link' }).click();
		const box = dialog.getByLabel('Link to share');
		await box.waitFor();
		const token = /\/shared\/([0-9a-f]{64})$/.exec(await box.inputValue())?.[1];
		assert.ok(token, await box.inputValue());
		// The link is on the server's public_url; the same path on the address under test.
		const other = await browser.newContext();
		try {
			const pub = await other.newPage();
			const asked = [];
			pub.on('request', (r) => {
				const path = new URL(r.url()).pathname;
				if (/^\/(v2|parley)\//.test(path)) asked.push(path);
			});
			await pub.goto(`${base}/shared/${token}`);
			await pub.getByRole('heading', { name: title }).waitFor();
			const items = pub.locator('ol.transcript > li');
			await items.first().waitFor();
			assert.ok((await items.count()) > 2, 'the transcript');
			assert.equal(await pub.locator('audio').getAttribute('src'), `/parley/v1/shared/${token}/media`);
			await pub.waitForFunction(() => document.querySelector('audio').readyState >= 1);
			assert.ok(asked.every((p) => p.startsWith(`/parley/v1/shared/${token}`)), asked.join(', '));
			const listed = await (await page.request.get(`${base}/parley/v1/calls/${id}/shares`)).json();
			assert.equal(listed.shares[0].recipient, 'buyer@customer.example');
			assert.equal(listed.shares[0].views, 1);
			await dialog.getByRole('button', { name: 'Revoke the link for buyer@customer.example' }).click();
			await dialog.getByRole('button', { name: 'Yes, revoke' }).click();
			await dialog.getByRole('status').filter({ hasText: 'no longer opens' }).waitFor();
			await pub.reload();
			await pub.getByText('This link has expired or was revoked.').waitFor();
			const media = await other.request.get(`${base}/parley/v1/shared/${token}/media`);
			assert.equal(media.status(), 404);
		} finally {
			await other.close();
		}
		await page.keyboard.press('Escape');
	});

	await check('a worker transcribes the upload (real voices): transcript, waveform and talk shares; a corrected voice gives the host stats; Jobs says done', async () => {
		assert.ok(uploadedId, 'the Upload step made a call');
		if (!transcribeQueued || !speech) {
			console.log('    (PARLEY_E2E_TRANSCRIBE_QUEUED or PARLEY_E2E_SPEECH not set: the upload is not transcribed)');
			return;
		}
		await page.goto(`${base}/calls/${uploadedId}`);
		await page.getByText('No transcript yet.').waitFor();
		const statsText = async () => ((await page.locator('dl.stats').count()) ? await page.locator('dl.stats').innerText() : '');
		const statsBefore = await statsText();
		const [cmd, ...args] = JSON.parse(transcribeQueued);
		const ran = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600_000 });
		assert.equal(ran.status, 0, `${cmd} ${args.join(' ')}: ${ran.stderr}`);
		const jobs = (await (await page.request.get(`${base}/parley/v1/calls/${uploadedId}/jobs`)).json()).jobs;
		assert.deepEqual(
			jobs.map((j) => `${j.kind} ${j.state}`),
			['transcribe done', 'analyze done'],
			JSON.stringify(jobs)
		);

		await page.goto(`${base}/calls/${uploadedId}`);
		await page.getByRole('heading', { name: 'e2e upload test' }).waitFor();
		const rows = page.locator('ol.transcript > li');
		await rows.first().waitFor();
		const text = await page.locator('ol.transcript').innerText();
		const words = text.split(/\s+/).filter((w) => /[a-z]{2,}/i.test(w));
		assert.ok(words.length >= 10, `recognised words: ${JSON.stringify(text.slice(0, 400))}`);
		const detail = await (await page.request.get(`${base}/parley/v1/calls/${uploadedId}/transcript`)).json();
		assert.match(detail.source, /^asr:/, 'transcribed by the speech engine, not imported');
		const voices = (await (await page.request.get(`${base}/parley/v1/calls/${uploadedId}/speakers`)).json()).speakers;
		assert.ok(voices.length >= 1, JSON.stringify(voices));
		// The analysis of the new transcript: a lane per voice with its share of the talk.
		const lanes = await page.locator('.timeline .labels').innerText();
		assert.match(lanes, /\d+%/, lanes);
		// A mono recording of strangers: nobody's voice is known, so the company's people have
		// no stats yet. Say the first voice is the host: the call is analysed again (by the
		// worker) and the host's talk ratio appears.
		assert.doesNotMatch(await statsText(), /Talk ratio/);
		const parties = (await post('/v2/calls/extensive', { filter: { callIds: [uploadedId] }, contentSelector: { exposedFields: { parties: true } } })).body.calls[0].parties;
		const host = parties.find((p) => p.emailAddress === email);
		assert.ok(host, JSON.stringify(parties));
		const label = await page.locator('#seg-0 button.speaker').textContent();
		await page.getByRole('button', { name: `Change who ${label} is` }).click();
		const dialog = page.getByRole('dialog', { name: `Who is ${label}?` });
		await dialog.getByRole('radio', { name: new RegExp(`^${literally(partyName(host))}\\s*Company ·`) }).check();
		await dialog.getByRole('button', { name: 'Save' }).click();
		await page.getByRole('status').filter({ hasText: `${label} is now ${partyName(host)}.` }).waitFor();
		const again = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600_000 });
		assert.equal(again.status, 0, again.stderr);
		await page.reload();
		await page.locator('dl.stats').getByText('Talk ratio').waitFor();
		const statsAfter = await statsText();
		assert.notEqual(statsAfter, statsBefore, 'the stats moved');
		assert.match(statsAfter, /Talk ratio\s*\d+%/, statsAfter);
		const wave = await page.request.get(`${base}/parley/v1/calls/${uploadedId}/waveform`);
		assert.equal(wave.status(), 200, 'the transcription drew the waveform');
		const w = await wave.json();
		assert.ok(w.peaks.some((p) => p > 25), 'speech in the waveform');
		// a sentence plays from its start
		await rows.nth(1).locator('button.at').click();
		await page.waitForFunction(() => !document.querySelector('audio').paused);
		await page.screenshot({ path: `${shots}real-transcribed.png`, fullPage: true });

		// Settings › Jobs: the upload's transcription is done.
		await page.goto(`${base}/settings?section=jobs`);
		const row = page.locator('table.jobs tbody tr').filter({ has: page.locator(`a[href="/calls/${uploadedId}"]`) });
		await row.first().waitFor();
		assert.match(await row.allInnerTexts().then((t) => t.join('\n')), /Transcription[\s\S]*Done/);
	});

	await check('the uploaded call is deleted from its call page; the list says so and the API no longer has it', async () => {
		assert.ok(uploadedId, 'the Upload step made a call');
		await page.goto(`${base}/calls/${uploadedId}`);
		await page.getByRole('heading', { name: 'e2e upload test' }).waitFor();
		await page.getByRole('button', { name: 'Delete call' }).click();
		await page.getByRole('button', { name: 'Yes, delete' }).click();
		await page.waitForURL(`${base}/calls`);
		await page.getByText('Deleted “e2e upload test”').waitFor();
		const ext = await post('/v2/calls/extensive', { filter: { callIds: [uploadedId] } });
		// Gong's answer when no call matches is a 404; a 200 must at least leave it out.
		assert.ok(ext.status === 404 || (ext.status === 200 && !ext.body.calls.some((c) => String(c.metaData.id) === uploadedId)), `the call is still there: ${JSON.stringify(ext)}`);
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
