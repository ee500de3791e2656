// How fast the call page of a long call is usable, in headless Chromium: a measurement,
// not a test (it fails only when the page does not come up at all).
//
//   npm run build && node e2e/bench-call.mjs                  # the stub's 60-minute call
//   node e2e/bench-call.mjs --runs 9 --t 55m                  # 9 runs, opened at ?t=55m
//   PARLEY_E2E_EMAIL=… PARLEY_E2E_PASSWORD=… PARLEY_E2E_CALL=… node e2e/bench-call.mjs http://127.0.0.1:8080
//
// Each run is a fresh navigation (a new tab of one signed-in browser context, so the app's
// files come from the HTTP cache as on a second visit; one unrecorded warm-up run first).
// Times are from navigation start (performance.timeOrigin), read in the page:
//   call facts   the first frame with the call's facts (<dl class="facts">): the floor
//   first rows   the first frame that shows transcript rows, and the task after it (so the
//                page could take a click then)
//   all usable   every sentence row and every word's span (`[data-w]`) is in the DOM, and
//                the next frame is out (Ctrl-F finds everything, any word can be clicked)
//   ?t= in view  (with --t) the deep link's sentence is marked and inside the scroll box
//   long tasks   the sum (and the longest) of 'longtask' entries up to "all usable" + 1 s
//   seek+frame   a click on a word (five words, spread over the call, the last one near the
//                end; each scrolled to first) to the next painted frame; the median of the
//                five per run
//   zoom step    (a call with the timeline's zoom) a click on Zoom in to the next painted
//                frame, six steps from the whole call to 1/64 of it; the median per run
//   pan          the zoomed timeline's scroller moved by half its width (towards the side with
//                room) to the next painted
//                frame after its scroll event (the waveform's window is redrawn); the median
// Then median and max over the runs. CHROMIUM=/path overrides the browser.

import { launch } from './harness.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
	const i = args.indexOf(`--${name}`);
	if (i < 0) return fallback;
	const v = args[i + 1];
	args.splice(i, 2);
	return v;
};
const runs = Number(opt('runs', '5'));
const at = opt('t', undefined);
let callId = opt('call', process.env.PARLEY_E2E_CALL);
let base = (args[0] ?? '').replace(/\/$/, '');
let email = process.env.PARLEY_E2E_EMAIL;
let password = process.env.PARLEY_E2E_PASSWORD;

let server;
if (!base) {
	const stub = await import('./stub-server.mjs');
	server = await stub.start(0);
	base = `http://127.0.0.1:${server.address().port}`;
	callId ??= stub.HOUR_CALL.id;
	email = stub.USER.email;
	password = stub.USER.password;
} else if (!email || !password || !callId) {
	console.error('usage: PARLEY_E2E_EMAIL=… PARLEY_E2E_PASSWORD=… PARLEY_E2E_CALL=… node e2e/bench-call.mjs [--runs N] [--t 55m] BASE_URL');
	process.exit(2);
}

/** Installed in every page before the app: records the moments the page reaches. */
function probe() {
	const b = (window.__bench = { longtasks: [], heading: 0, firstRows: 0, all: 0, inView: 0, want: null });
	new PerformanceObserver((l) => {
		for (const e of l.getEntries()) b.longtasks.push([e.startTime, e.duration]);
	}).observe({ type: 'longtask', buffered: true });
	// After the frame that showed something: the first task once that frame is out.
	const afterFrame = (set) => {
		const ch = new MessageChannel();
		ch.port1.onmessage = () => set(performance.now());
		ch.port2.postMessage(0);
	};
	const look = () => {
		b.want ??= window.__benchWant ?? null;
		const rows = document.querySelectorAll('ol.transcript > li');
		if (!b.heading && document.querySelector('dl.facts')) afterFrame((t) => (b.heading ||= t));
		if (!b.firstRows && rows.length && document.querySelector('.transcript-box')) afterFrame((t) => (b.firstRows ||= t));
		if (b.want && !b.inView) {
			const box = document.querySelector('.transcript-box');
			const cur = document.querySelector('li[aria-current="true"]');
			if (box && cur && cur.id === `seg-${b.want.at}`) {
				const r = cur.getBoundingClientRect();
				const v = box.getBoundingClientRect();
				if (r.bottom > v.top && r.top < v.bottom) afterFrame((t) => (b.inView ||= t));
			}
		}
		if (b.want && !b.all && rows.length === b.want.rows && (!b.want.words || document.querySelectorAll('[data-w]').length === b.want.words)) afterFrame((t) => (b.all ||= t));
		if (!b.all || (b.want?.at !== undefined && !b.inView)) requestAnimationFrame(look);
	};
	requestAnimationFrame(look);
}

/** In the page once it is usable: word clicks to the next painted frame (ms each). */
async function seekFrames(targets) {
	const frame = () => new Promise((ok) => requestAnimationFrame(() => { const ch = new MessageChannel(); ch.port1.onmessage = ok; ch.port2.postMessage(0); }));
	const out = [];
	for (const [s, w] of targets) {
		const span = document.querySelector(`[data-w="${s}:${w}"]`);
		if (!span) throw new Error(`no word ${s}:${w}`);
		span.scrollIntoView({ block: 'center' });
		// Two frames: rows that scrolled into view are laid out (content-visibility) first.
		await frame();
		await frame();
		const t0 = performance.now();
		span.click();
		await frame();
		out.push(performance.now() - t0);
		if (document.querySelector('li[aria-current="true"]')?.id !== `seg-${s}`) throw new Error(`a click on ${s}:${w} did not mark seg-${s}`);
		document.querySelector('audio')?.pause();
	}
	return out;
}

/** In the page: the timeline's zoom steps and pans to the next painted frame (ms, medians). */
async function zoomFrames() {
	const frame = () => new Promise((ok) => requestAnimationFrame(() => { const ch = new MessageChannel(); ch.port1.onmessage = ok; ch.port2.postMessage(0); }));
	const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
	const zoomIn = document.querySelector('.timeline .zoom-in');
	const scroller = document.querySelector('.timeline .scroller');
	if (!zoomIn || !scroller) return { zoom: NaN, pan: NaN };
	zoomIn.scrollIntoView({ block: 'center' });
	await frame();
	await frame();
	const zooms = [];
	for (let k = 0; k < 6; k++) {
		const t0 = performance.now();
		zoomIn.click();
		await frame();
		zooms.push(performance.now() - t0);
	}
	const pans = [];
	for (let k = 0; k < 5; k++) {
		const t0 = performance.now();
		const scrolled = new Promise((ok) => scroller.addEventListener('scroll', ok, { once: true }));
		// Towards the side with room (the view may start at either end of the call).
		const room = scroller.scrollWidth - scroller.clientWidth - scroller.scrollLeft;
		scroller.scrollLeft += (room > scroller.clientWidth ? 1 : -1) * (scroller.clientWidth / 2);
		await scrolled;
		await frame();
		pans.push(performance.now() - t0);
	}
	document.querySelector('.timeline .fit')?.click();
	await frame();
	return { zoom: mid(zooms), pan: mid(pans) };
}

const secondsOf = (t) => {
	const m = /^(?:(\d+)m)?(?:(\d+)s?)?$/.exec(t ?? '');
	return m ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : NaN;
};
const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const browser = await launch();
try {
	const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'UTC' });
	await context.addInitScript(probe);
	const page = await context.newPage();
	await page.goto(`${base}/sign-in`);
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));

	// What "everything" is: the transcript as the API gives it (sorted as the page sorts it).
	const r = await page.request.get(`${base}/parley/v1/calls/${callId}/transcript`);
	if (r.status() !== 200) throw new Error(`GET transcript: ${r.status()}`);
	const sentences = (await r.json()).transcript.flatMap((m) => m.sentences).sort((a, b) => a.start - b.start);
	const words = sentences.reduce((n, s) => n + (s.words?.length ?? 0), 0);
	const want = { rows: sentences.length, words };
	if (at !== undefined) {
		const t = secondsOf(at) * 1000;
		let i = -1;
		sentences.forEach((s, k) => s.start <= t && (i = k));
		want.at = i;
	}
	// Five words to click: the first third, the middle, two thirds, and two near the end.
	const withWords = sentences.map((s, i) => [i, s.words?.length ?? 0]).filter(([, n]) => n > 0);
	const targets = withWords.length
		? [0.3, 0.5, 0.7, 0.95, 0.995].map((f) => {
				const [i, n] = withWords[Math.min(withWords.length - 1, Math.floor(f * withWords.length))];
				return [i, Math.floor(n / 2)];
			})
		: [];
	await page.close();
	await context.addInitScript((w) => (window.__benchWant = w), want);

	const url = `${base}/calls/${callId}${at !== undefined ? `?t=${encodeURIComponent(at)}` : ''}`;
	const rows = [];
	for (let k = 0; k <= runs; k++) {
		const p = await context.newPage();
		p.on('pageerror', (e) => console.error(`page error: ${e.message}`));
		await p.goto(url);
		await p.waitForFunction((hasT) => window.__bench.all > 0 && (!hasT || window.__bench.inView > 0), at !== undefined, { timeout: 60_000, polling: 100 });
		await p.waitForTimeout(1000);
		const b = await p.evaluate(() => window.__bench);
		const until = b.all + 1000;
		const lt = b.longtasks.filter(([s]) => s < until).map(([, d]) => d);
		const seeks = want.words ? await p.evaluate(seekFrames, targets) : [];
		const zoomed = await p.evaluate(zoomFrames);
		if (k > 0) rows.push({ heading: b.heading, first: b.firstRows, all: b.all, inView: b.inView, ltSum: lt.reduce((a, d) => a + d, 0), ltMax: Math.max(0, ...lt), seek: seeks.length ? median(seeks) : NaN, zoom: zoomed.zoom, pan: zoomed.pan });
		await p.close();
	}

	const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : '—');
	const line = (name, key) => `${name.padEnd(34)}${ms(median(rows.map((r) => r[key]))).padStart(10)}${ms(Math.max(...rows.map((r) => r[key]))).padStart(10)}`;
	console.log(`${url}\n${sentences.length} sentences, ${words} words; ${runs} runs (after one warm-up)\n`);
	console.log(`${''.padEnd(34)}${'median'.padStart(10)}${'max'.padStart(10)}`);
	console.log(line('call facts shown (no transcript)', 'heading'));
	console.log(line('first rows shown, clickable', 'first'));
	console.log(line('whole transcript usable', 'all'));
	if (at !== undefined) console.log(line(`?t=${at} sentence marked, in view`, 'inView'));
	console.log(line('long tasks, total', 'ltSum'));
	console.log(line('long tasks, longest', 'ltMax'));
	console.log(line('word click (seek) + next frame', 'seek'));
	console.log(line('timeline zoom step + next frame', 'zoom'));
	console.log(line('timeline pan + next frame', 'pan'));
} finally {
	await browser.close();
	server?.close();
}
