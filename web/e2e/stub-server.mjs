// A tiny server for the smoke test ONLY: it serves web/dist with the SPA fallback the
// Rust server will have, and stubs the few API routes the pages call, answering in the
// formats of crates/parley-client/data/openapi.json (every JSON answer is checked against
// that document's schema before it is sent, see checkShape). This is a spike: the real
// end-to-end tests will run Playwright against the real `parley serve` binary with a
// seeded database and a fixture recording, and this stub will go.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const DIST = resolve(here, '../dist');
const OPENAPI = resolve(here, '../../crates/parley-client/data/openapi.json');

export const USER = { email: 'ada@example.com', password: 'correct horse', userId: '1000000000000000001' };
const SESSION_TOKEN = 'stub-session-token';
const CSRF = 'stub-csrf-token';

/** The CSP the Rust server should send as a header next to index.html's <meta> policy. */
export const CSP_HEADER = "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

const TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.svg': 'image/svg+xml',
	'.json': 'application/json',
	'.png': 'image/png',
	'.woff2': 'font/woff2'
};

// ---- fixtures (ids are strings of digits, as the API's) ----

const CALLS = [
	call('7100000000000000001', 'Discovery: Acme Corp', '2024-03-04T15:00:00Z', 1834, 'Outbound'),
	{ ...call('7100000000000000002', 'Pricing follow-up with Globex', '2024-03-11T09:30:00Z', 20, 'Inbound'), primaryUserId: '1000000000000000002' },
	call('7100000000000000003', 'Quarterly review — Initech (a rather long title to see how it wraps)', '2024-03-19T13:05:00Z', 3725, 'Conference')
];
/** A 60-minute call (~1,000 sentences, ~9,500 timed words, four voices, a silent hour of
 * audio) for the long-call smoke steps and e2e/bench-call.mjs. It is not in the calls list
 * (the list's paging and counts stay as they were): only `/v2/calls/extensive` by its id,
 * its transcript and its media know it. */
export const HOUR_CALL = call('7100000000000000060', 'An hour with Umbrella Corp', '2024-03-25T14:00:00Z', 3600, 'Conference');
/** A call recorded with video: its media has a `videoUrl` (the same file as `audioUrl`, as the
 * server gives it when the recording has a video track). The stub has no video file: the
 * <video> plays the first call's 24 s WAV (sound, no pictures), which exercises the player's
 * logic. Its transcript is the first call's. Like the hour, not in the calls list. */
export const VIDEO_CALL = call('7100000000000000070', 'Product demo for Hooli (video)', '2024-03-26T10:00:00Z', 24, 'Conference');
/** Only the first and third calls, the hour and the video call have a transcript. */
const hasTranscript = (id) => id === CALLS[0].id || id === CALLS[2].id || id === HOUR_CALL.id || id === VIDEO_CALL.id;

function call(id, title, started, duration, direction) {
	return {
		id,
		url: `http://parley.example.com/call?id=${id}`,
		title,
		scheduled: started,
		started,
		duration,
		primaryUserId: USER.userId,
		direction,
		system: 'Parley',
		scope: 'External',
		media: 'Audio',
		language: 'eng',
		workspaceId: '5000000000000000001',
		sdrDisposition: null,
		clientUniqueId: null,
		customData: null,
		purpose: null,
		meetingUrl: null,
		isPrivate: false,
		calendarEventId: null
	};
}

const PARTIES = [
	{ id: '1', name: 'Ada Lovelace', emailAddress: USER.email, userId: USER.userId, speakerId: '11', context: [], affiliation: 'Internal', methods: ['Invitee'] },
	{ id: '2', name: 'Dana Buyer', emailAddress: 'dana@acme.example', speakerId: '12', context: [], affiliation: 'External', methods: ['Invitee'] },
	{ id: '3', name: null, emailAddress: 'cfo@acme.example', speakerId: null, context: [], affiliation: 'External', methods: ['Invitee'] }
];

/** The analysis of the first call, as `/v2/calls/extensive` gives it (times in seconds). */
export const CONTENT = {
	topics: [
		{ name: 'Needs', duration: 12 },
		{ name: 'Small talk', duration: 6 },
		{ name: 'Pricing', duration: 0 }
	],
	trackers: [
		{ id: '801', name: 'Pricing', count: 2, type: 'KEYWORD', occurrences: [{ startTime: 6.1, speakerId: '11' }, { startTime: 18.9, speakerId: '11' }], phrases: [] },
		{ id: '802', name: 'Competitors', count: 1, type: 'KEYWORD', occurrences: [{ startTime: 10.4, speakerId: '12' }], phrases: [] },
		{ id: '803', name: 'Legal', count: 0, type: 'KEYWORD', occurrences: [], phrases: [] }
	],
	pointsOfInterest: { actionItems: [{ snippetStartTime: 18.9, snippetEndTime: 23, speakerID: '11', snippet: 'Show Dana the call page' }] },
	brief: 'Ada asked Dana how her team reviews sales calls; Dana said listening to recordings takes forever.',
	outline: [
		{ section: 'Introductions', startTime: 0, duration: 6, items: [{ text: 'Dana has twenty minutes', startTime: 3.2 }] },
		{ section: 'Current process', startTime: 6.1, duration: 12, items: [{ text: 'Reviews by listening', startTime: 10.4 }] }
	],
	highlights: [{ title: 'Pain points', items: [{ text: 'Listening to recordings takes forever', startTimes: [10.4] }] }],
	callOutcome: { id: 'demo', category: 'Qualified', name: 'Demo scheduled' },
	keyPoints: [{ text: 'Reviews take forever' }, { text: 'Notes are scattered across three tools' }]
};

export const INTERACTION = {
	speakers: [
		{ id: '1', userId: USER.userId, talkTime: 11.2 },
		{ id: '2', userId: null, talkTime: 7 }
	],
	interactionStats: [
		{ name: 'Talk Ratio', value: 0.52 },
		{ name: 'Longest Monologue', value: 5.5 },
		{ name: 'Longest Customer Story', value: 4.1 },
		{ name: 'Interactivity', value: 7.25 },
		{ name: 'Patience', value: 0.8 }
	],
	questions: { companyCount: 1, nonCompanyCount: 0 }
};

const LINES = [
	['11', 0, 'Hi Dana, thanks for taking the time today.'],
	['12', 3200, 'Happy to. We have about twenty minutes.'],
	['11', 6100, 'Great. Could you tell me how your team reviews sales calls today?'],
	['12', 10400, 'Mostly by listening to recordings, which takes forever.'],
	['13', 14800, 'And the notes end up scattered across three tools.'],
	['11', 18900, 'That is exactly what Parley is for. Let me show you the call page.']
];

// The topic each line was said under (the transcript's monologues carry it).
const TOPICS = ['Small talk', 'Small talk', 'Needs', 'Needs', 'Needs', 'Product'];

/** A long transcript (for the third call, which has no recording): scrolling and following. */
const LONG = Array.from({ length: 120 }, (_, i) => [i % 3 === 0 ? '12' : '11', i * 30000, `Sentence ${i + 1} of the quarterly review, long enough to wrap on a phone screen now and then.`]);

/** mulberry32: a small seeded PRNG, so the hour's transcript is the same on every run. */
function prng(seed) {
	return () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const VOCAB = (
	'the we our your team pipeline quarter budget renewal pricing contract security review legal procurement timeline ' +
	'onboarding integration dashboard forecast deal stage champion decision process pilot users seats discount value ' +
	'problem calls coaching recordings notes CRM Salesforce HubSpot rollout training manager rep quota churn expansion ' +
	'is are was will would could should can need want think know see make sure about with from for to of and but so that ' +
	'this it they them really just actually probably next week month Friday Monday yes no okay right great exactly'
).split(' ');

/** The hour's sentences: [speakerId, start ms, end ms, words [{start, end, text}], topic]. Deterministic. */
function hourLines() {
	const rnd = prng(60);
	const voices = ['11', '12', '13', '14'];
	const raw = [];
	let t = 0;
	let voice = '11';
	for (let i = 0; i < 1000; i++) {
		if (i > 0 && rnd() < 0.4) voice = voices[Math.floor(rnd() * voices.length)];
		const n = 3 + Math.floor(rnd() * 7) + Math.floor(rnd() * 7) + Math.floor(rnd() * 2);
		const words = [];
		for (let k = 0; k < n; k++) {
			const len = 0.18 + rnd() * 0.3;
			let text = VOCAB[Math.floor(rnd() * VOCAB.length)];
			if (k === 0) text = text[0].toUpperCase() + text.slice(1);
			if (k === n - 1) text += rnd() < 0.2 ? '?' : '.';
			else if (rnd() < 0.08) text += ',';
			words.push({ start: t, end: t + len, text });
			t += len + 0.02 + rnd() * 0.08;
		}
		raw.push({ voice, words, topic: ['Small talk', 'Needs', 'Product', 'Pricing', 'Next steps'][Math.min(4, Math.floor(i / 200))] });
		t += 0.3 + rnd() * 1.2;
	}
	// Stretched to end at 59:50, so sentences are spread over the whole hour.
	const k = 3590 / t;
	return raw.map(({ voice, words, topic }) => {
		const ws = words.map((w) => ({ start: Math.round(w.start * k * 1000), end: Math.round(w.end * k * 1000), text: w.text }));
		return [voice, ws[0].start, ws.at(-1).end, ws, topic];
	});
}
export const HOUR_LINES = hourLines();

function hourTranscript() {
	const monologues = [];
	for (const [speakerId, start, end, words, topic] of HOUR_LINES) {
		const sentence = { start, end, text: words.map((w) => w.text).join(' '), words };
		const last = monologues.at(-1);
		if (last?.speakerId === speakerId && last.topic === topic) last.sentences.push(sentence);
		else monologues.push({ speakerId, topic, sentences: [sentence] });
	}
	return monologues;
}
const HOUR_TRANSCRIPT = hourTranscript();

/** The hour's analysis: two trackers that fire on their words all through the hour (a few
 * hundred marks: too dense to tell apart at the whole call, what the timeline's zoom is for). */
const HOUR_CONTENT = (() => {
	const tracker = (id, name, words) => {
		const occurrences = HOUR_LINES.flatMap(([speakerId, , , ws]) => ws.filter((w) => words.test(w.text)).map((w) => ({ startTime: w.start / 1000, speakerId })));
		return { id, name, count: occurrences.length, type: 'KEYWORD', occurrences, phrases: [] };
	};
	return { brief: null, topics: [], trackers: [tracker('801', 'Pricing', /^pricing\b/i), tracker('802', 'Competitors', /^(Salesforce|HubSpot)\b/i)] };
})();

/** The hour's waveform as the server makes it for 60 minutes (360 ms buckets, 10,000 peaks):
 * a bump per word, quieter or louder per sentence, a low floor between them. (The hour's
 * media is silence: the waveform is decoration and the stub's is made up.) Checked once. */
let hourWaveJson;
function sendHourWaveform(res, method, route) {
	if (!hourWaveJson) {
		const bucketMs = 360;
		const rnd = prng(61);
		const peaks = Array.from({ length: 10000 }, () => 1 + Math.floor(rnd() * 3));
		for (const [, , , ws] of HOUR_LINES) {
			const loud = 90 + rnd() * 150;
			for (const w of ws) for (let b = Math.floor(w.start / bucketMs); b <= Math.floor(w.end / bucketMs) && b < peaks.length; b++) peaks[b] = Math.max(peaks[b], Math.round(loud * (0.6 + 0.4 * rnd())));
		}
		const body = { requestId: 'stub', bucketMs, durationMs: 3600000, peaks };
		const problems = checkShape(responseSchema(method, route, 200), body);
		if (problems.length) throw new Error(`stub: the hour's waveform does not fit openapi.json:\n${problems.slice(0, 5).join('\n')}`);
		hourWaveJson = JSON.stringify({ ...body, requestId: undefined });
	}
	res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
	res.end(`{"requestId":"${rid()}",${hourWaveJson.slice(1)}`);
}

/** The hour's transcript checked once and kept as JSON (checking 9,563 words on every
 * request took the stub 50-200 ms, which the page's measurements would count). */
let hourJson;
function sendHour(res, method, route) {
	if (!hourJson) {
		const body = transcriptOf(HOUR_CALL.id);
		const problems = checkShape(responseSchema(method, route, 200), body);
		if (problems.length) throw new Error(`stub: the hour's transcript does not fit openapi.json:\n${problems.slice(0, 5).join('\n')}`);
		hourJson = JSON.stringify({ ...body, requestId: undefined });
	}
	res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
	res.end(`{"requestId":"${rid()}",${hourJson.slice(1)}`);
}

function transcriptOf(callId) {
	if (callId === HOUR_CALL.id) return { requestId: rid(), callId, source: 'asr:stub', transcript: HOUR_TRANSCRIPT };
	const lines = callId === CALLS[2].id ? LONG : LINES;
	const topics = callId === CALLS[2].id ? [] : TOPICS;
	const monologues = [];
	for (let i = 0; i < lines.length; i++) {
		const [speakerId, start, text] = lines[i];
		const end = (lines[i + 1]?.[1] ?? start + 4000) - 300;
		const words = text.split(' ').map((w, k, all) => {
			const span = (end - start) / all.length;
			return { start: Math.round(start + k * span), end: Math.round(start + (k + 1) * span), text: w };
		});
		const sentence = { start, end, text, words };
		const last = monologues.at(-1);
		const topic = topics[i] ?? null;
		if (last?.speakerId === speakerId && last.topic === topic) last.sentences.push(sentence);
		else monologues.push({ speakerId, topic, sentences: [sentence] });
	}
	return { requestId: rid(), callId, source: 'asr:stub', transcript: monologues };
}

/** 24 s of mono 16-bit 8 kHz PCM: a soft tone whose pitch steps every 3 s. */
function wav() {
	const rate = 8000, seconds = 24, n = rate * seconds;
	const buf = Buffer.alloc(44 + n * 2);
	buf.write('RIFF', 0); buf.writeUInt32LE(36 + n * 2, 4); buf.write('WAVE', 8);
	buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22);
	buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
	buf.write('data', 36); buf.writeUInt32LE(n * 2, 40);
	for (let i = 0; i < n; i++) {
		const f = 220 + 55 * Math.floor(i / rate / 3);
		buf.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * f * i) / rate)), 44 + i * 2);
	}
	return buf;
}
const WAV = wav();

/** An hour of silence (mono 8-bit 8 kHz WAV, 28.8 MB) made on the fly for the range asked:
 * the bytes are never all in memory, and a range is sent in 64 KB pieces (with back-pressure:
 * Chromium asks for `bytes=N-` and drops the connection once it has enough). */
const HOUR_RATE = 8000;
const HOUR_DATA = HOUR_RATE * 3600;
function silentHour(res, range) {
	const head = Buffer.alloc(44);
	head.write('RIFF', 0); head.writeUInt32LE(36 + HOUR_DATA, 4); head.write('WAVE', 8);
	head.write('fmt ', 12); head.writeUInt32LE(16, 16); head.writeUInt16LE(1, 20); head.writeUInt16LE(1, 22);
	head.writeUInt32LE(HOUR_RATE, 24); head.writeUInt32LE(HOUR_RATE, 28); head.writeUInt16LE(1, 32); head.writeUInt16LE(8, 34);
	head.write('data', 36); head.writeUInt32LE(HOUR_DATA, 40);
	const size = 44 + HOUR_DATA;
	const start = range ? Number(range[1]) : 0;
	const end = range ? Math.min(range[2] ? Number(range[2]) : size - 1, size - 1) : size - 1;
	if (start >= size) {
		res.writeHead(416, { 'content-range': `bytes */${size}` });
		return res.end();
	}
	const headers = { 'content-type': 'audio/wav', 'content-length': end - start + 1, 'accept-ranges': 'bytes' };
	if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}` });
	else res.writeHead(200, headers);
	const piece = Buffer.alloc(65536, 0x80);
	let at = start;
	const pump = () => {
		while (at <= end) {
			const n = Math.min(piece.length, end - at + 1);
			const chunk = Buffer.from(piece.subarray(0, n));
			if (at < 44) head.copy(chunk, 0, at, Math.min(44, at + n));
			at += n;
			if (!res.write(chunk)) return void res.once('drain', pump);
		}
		res.end();
	};
	res.on('close', () => (at = end + 1));
	pump();
}

/** The stub's waveform switch: `missing` makes the first call's waveform a 404 too (not computed yet). */
export const WAVEFORM = { missing: false };

/**
 * The waveform of the first call's recording (24 s, as WAV): 100 ms buckets whose peaks
 * follow the transcript's words, so it looks like speech: a bump per word, louder or softer
 * word by word, the unnamed speaker (13) quieter, a low noise floor between the turns.
 */
function waveformOf(callId) {
	const bucketMs = 100;
	const durationMs = 24000;
	const words = transcriptOf(callId).transcript.flatMap((m) => m.sentences.flatMap((s) => s.words.map((w) => ({ ...w, speakerId: m.speakerId }))));
	let seed = 7;
	const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
	const loudness = words.map((w) => (w.speakerId === '13' ? 0.3 : 0.55) + 0.4 * random());
	const peaks = Array.from({ length: Math.ceil(durationMs / bucketMs) }, (_, b) => {
		const t = (b + 0.5) * bucketMs;
		let p = 1 + 2 * random();
		words.forEach((w, k) => {
			if (t >= w.start && t < w.end) p = Math.max(p, 255 * loudness[k] * (0.35 + 0.65 * Math.sin((Math.PI * (t - w.start)) / (w.end - w.start))));
		});
		return Math.min(255, Math.round(p));
	});
	return { bucketMs, durationMs, peaks };
}


// ---- Team, Library and Scorecards ----

function user(id, firstName, lastName, email) {
	return {
		id, emailAddress: email, created: '2024-01-01T09:00:00Z', active: true, emailAliases: [], trustedEmailAddress: null,
		firstName, lastName, title: 'Account Executive', phoneNumber: null, extension: null, personalMeetingUrls: [],
		settings: { webConferencesRecorded: true, preventWebConferenceRecording: false, telephonyCallsImported: false, emailsImported: false, preventEmailImport: false, nonRecordedMeetingsImported: false, gongConnectEnabled: false },
		managerId: null, meetingConsentPageUrl: null, conferencingProviders: null, spokenLanguages: []
	};
}
/** The manager tree (`managerId`): Alan reports to Ada and Grace to Alan, so Ada's team is
 * everyone's calls (Grace's through Alan) and Alan's team is Grace's call. */
export const USERS = [
	user(USER.userId, 'Ada', 'Lovelace', USER.email),
	{ ...user('1000000000000000002', 'Grace', 'Hopper', 'grace@example.com'), managerId: '1000000000000000003' },
	{ ...user('1000000000000000003', 'Alan', 'Turing', 'alan@example.com'), managerId: USER.userId }
];

const stats6 = (tr, lm, lcs, inter, pat, qr) => [
	{ name: 'Talk Ratio', value: tr }, { name: 'Longest Monologue', value: lm }, { name: 'Longest Customer Story', value: lcs },
	{ name: 'Interactivity', value: inter }, { name: 'Patience', value: pat }, { name: 'Question Rate', value: qr }
];
/** Ada within every range, Grace talks too much and answers too fast; Alan has no analysed call. */
export const INTERACTION_STATS = [
	{ userId: USERS[0].id, userEmailAddress: USERS[0].emailAddress, personInteractionStats: stats6(0.42, 48.5, 260, 6.2, 1.8, 14.1) },
	{ userId: USERS[1].id, userEmailAddress: USERS[1].emailAddress, personInteractionStats: stats6(0.71, 151.2, 95, 3.4, 0.6, 5.5) }
];
const counts = (host, attended, listened, comments, filled, received) => ({
	callsAsHost: host, callsGaveFeedback: 0, callsRequestedFeedback: 0, callsReceivedFeedback: 0, ownCallsListenedTo: 1, othersCallsListenedTo: listened,
	callsSharedInternally: 0, callsSharedExternally: 0, callsScorecardsFilled: filled, callsScorecardsReceived: received, callsAttended: attended,
	callsCommentsGiven: comments, callsCommentsReceived: 0, callsMarkedAsFeedbackGiven: 0, callsMarkedAsFeedbackReceived: 0
});
export const ACTIVITY = [
	{ userId: USERS[0].id, userEmailAddress: USERS[0].emailAddress, userAggregateActivityStats: counts(12, 14, 3, 2, 0, 1) },
	{ userId: USERS[1].id, userEmailAddress: USERS[1].emailAddress, userAggregateActivityStats: counts(7, 9, 0, 0, 0, 1) },
	{ userId: USERS[2].id, userEmailAddress: USERS[2].emailAddress, userAggregateActivityStats: counts(0, 0, 11, 6, 2, 0) }
];

/** The periods of `aggregate-by-period` as Gong cuts them: weeks from Monday, months from the
 * 1st (also days, quarters, years), the first and last clipped to the filter's days. */
function statsPeriods(fromDate, toDate, period) {
	const day = (t) => new Date(t).toISOString().slice(0, 10);
	const out = [];
	let from = fromDate;
	while (from < toDate && out.length < 1000) {
		const d = new Date(`${from}T00:00:00Z`);
		const [y, m] = [d.getUTCFullYear(), d.getUTCMonth()];
		const next =
			period === 'DAY' ? day(d.getTime() + 86400e3)
			: period === 'WEEK' ? day(d.getTime() + (7 - ((d.getUTCDay() + 6) % 7)) * 86400e3)
			: period === 'MONTH' ? day(Date.UTC(y, m + 1, 1))
			: period === 'QUARTER' ? day(Date.UTC(y, m - (m % 3) + 3, 1))
			: day(Date.UTC(y + 1, 0, 1));
		const to = next < toDate ? next : toDate;
		out.push({ from, to });
		from = to;
	}
	return out;
}

/**
 * Each user's activity per period: ACTIVITY's totals spread over the periods, Ada's rising
 * (weights 1, 2, 3, …), Grace's falling, Alan's even (rounded, so a total may be off by a
 * little). The smoke test computes what the chart should show from this too.
 */
export function activityByPeriod(fromDate, toDate, period) {
	const periods = statsPeriods(fromDate, toDate, period);
	const n = periods.length;
	return ACTIVITY.map((u, k) => {
		const weight = (i) => (k === 0 ? i + 1 : k === 1 ? n - i : 1);
		const sum = periods.reduce((s, _, i) => s + weight(i), 0);
		return {
			userId: u.userId,
			userEmailAddress: u.userEmailAddress,
			userAggregateActivity: periods.map((p, i) => ({
				...Object.fromEntries(Object.entries(u.userAggregateActivityStats).map(([c, total]) => [c, Math.round((total * weight(i)) / sum)])),
				fromDate: `${p.from}T00:00:00Z`,
				toDate: `${p.to}T00:00:00Z`
			}))
		};
	});
}

// Parley's view of a folder (FolderView: workspaceId, public, created); Gong's answers
// keep FolderWire's fields (folderWire). The library smoke steps change this list.
export const FOLDERS = [
	{ id: '6100000000000000001', workspaceId: '5000000000000000001', name: 'Win/Loss', parentFolderId: null, public: true, createdBy: USER.userId, created: '2024-03-01T10:00:00Z', updated: '2024-03-20T10:00:00Z' },
	{ id: '6100000000000000002', workspaceId: '5000000000000000001', name: 'Great demos', parentFolderId: '6100000000000000001', public: true, createdBy: USER.userId, created: '2024-03-01T10:00:00Z', updated: '2024-03-21T10:00:00Z' },
	{ id: '6100000000000000003', workspaceId: '5000000000000000001', name: 'Onboarding', parentFolderId: null, public: true, createdBy: null, created: '2024-03-01T10:00:00Z', updated: '2024-03-22T10:00:00Z' }
];
const folderWire = ({ id, name, parentFolderId, createdBy, updated }) => ({ id, name, parentFolderId, createdBy, updated });
/** Saved items removed through DELETE /parley/v1/library/folders/{id}/calls/{item}. */
export const LIBRARY_REMOVED = new Set();
function folderCalls(id) {
	// `itemId`: the saved item's id, which DELETE …/calls/{item} takes.
	const calls =
		id === '6100000000000000002'
			? [
					{ itemId: '6200000000000000101', id: CALLS[0].id, title: CALLS[0].title, note: 'Textbook discovery: listen from 0:06', addedBy: USER.userId, created: '2024-03-21T10:00:00Z', url: CALLS[0].url, snippet: { fromSec: 6, toSec: 19 } },
					{ itemId: '6200000000000000102', id: CALLS[2].id, title: CALLS[2].title, note: null, addedBy: null, created: '2024-03-21T11:00:00Z', url: CALLS[2].url, snippet: null }
				]
			: [];
	return calls.filter((c) => !LIBRARY_REMOVED.has(c.itemId));
}

const question = (questionId, questionText, questionType, isOverall, minRange, maxRange, answerOptions = []) => ({
	questionId, questionRevisionId: questionId, questionText, isOverall, updaterUserId: '-1', questionType, answerGuide: null,
	minRange, maxRange, answerOptions, isMandatory: isOverall, created: '2024-01-01T00:00:00Z', updated: '2024-01-01T00:00:00Z'
});
export const SCORECARDS = [
	{
		scorecardId: '8100000000000000001', scorecardName: 'Discovery Call Review', workspaceId: '5000000000000000001', enabled: true, updaterUserId: '-1',
		created: '2024-01-01T00:00:00Z', updated: '2024-01-01T00:00:00Z', reviewMethod: 'MANUAL',
		questions: [
			question('8200000000000000001', 'How would you rate this call overall?', 'RANGE', true, '1', '5'),
			question('8200000000000000002', 'Which qualification areas did the rep cover?', 'MULTI_SELECT', false, null, null, [{ id: '1', text: 'Budget' }, { id: '2', text: 'Authority' }]),
			question('8200000000000000003', 'What should the rep do differently?', 'OPEN_ENDED', false, null, null)
		]
	},
	{
		scorecardId: '8100000000000000002', scorecardName: 'Demo Review', workspaceId: '5000000000000000002', enabled: false, updaterUserId: '-1',
		created: '2024-01-01T00:00:00Z', updated: '2024-01-01T00:00:00Z', reviewMethod: 'MANUAL',
		questions: [question('8200000000000000004', 'How clear was the demo?', 'RANGE', true, '1', '5')]
	}
];
const STUB_WORKSPACES = ['5000000000000000001', '5000000000000000002'];
const QUESTION_TYPES = ['RANGE', 'SINGLE_SELECT', 'MULTI_SELECT', 'YES_NO', 'OPEN_ENDED'];
let questionSeq = 0;
/** A scorecard body read as the server does (gong-api-v2's `into_draft`, then the domain's
 * `define`): the usual mistakes in its words, or the scorecard's fields. */
function scorecardOf(body, previous) {
	const errors = [];
	/** Fields that cannot be read: the server names only these when there are any. */
	const unread = [];
	const name = String(body.scorecardName ?? body.name ?? '').trim();
	if (!name) errors.push('name is required');
	else if (name.length > 200) errors.push('name: at most 200 characters');
	const qs = Array.isArray(body.questions) ? body.questions : [];
	if (!qs.length) errors.push('questions: a scorecard needs at least one question');
	let overall = 0;
	const seen = new Set();
	const now = new Date().toISOString();
	const questions = qs.map((q, i) => {
		const at = `questions[${i}]`;
		const text = String(q.questionText ?? '').trim();
		if (!text) errors.push(`${at}.questionText is required`);
		const type = q.questionType == null ? undefined : String(q.questionType).toUpperCase().replace(/-/g, '_');
		if (q.questionType != null && !QUESTION_TYPES.includes(type)) unread.push(`${at}.questionType: ${JSON.stringify(q.questionType)} is not one of RANGE, SINGLE_SELECT, MULTI_SELECT, YES_NO, OPEN_ENDED`);
		const num = (name, v) => {
			if (v == null) return undefined;
			const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
			if (!Number.isInteger(n)) unread.push(`${at}.${name}: not a whole number`);
			return n;
		};
		const min = num('minRange', q.minRange);
		const max = num('maxRange', q.maxRange);
		let id;
		if (q.questionId != null) {
			id = String(q.questionId);
			if (seen.has(id)) errors.push(`${at}.questionId: ${id} is named twice`);
			seen.add(id);
			if (!previous?.questions.some((x) => x.questionId === id)) errors.push(`${at}.questionId: ${id} is not a question of this scorecard`);
		}
		if (type === undefined || !QUESTION_TYPES.includes(type)) errors.push(`${at}.questionType is required`);
		const options = (q.answerOptions ?? []).map((o) => String(typeof o === 'string' ? o : o.text).trim());
		if (type === 'RANGE') {
			const lo = min ?? 1;
			const hi = max ?? 5;
			if (!(lo >= 1 && hi <= 50 && lo < hi)) errors.push(`${at}: minRange and maxRange must be 1..=50 with minRange below maxRange`);
		} else if (min !== undefined || max !== undefined) errors.push(`${at}: minRange and maxRange are for range questions only`);
		if (q.isOverall && type !== 'RANGE') errors.push(`${at}: only a range question can be the overall score`);
		if (q.isOverall) overall++;
		if (type === 'SINGLE_SELECT' || type === 'MULTI_SELECT') {
			if (options.length < 2 || options.length > 50) errors.push(`${at}.answerOptions: a select question needs 2 to 50 options`);
			const distinct = new Set();
			for (const t of options) {
				if (!t) errors.push(`${at}.answerOptions: each option has 1 to 500 characters`);
				else if (distinct.has(t.toLowerCase())) errors.push(`${at}.answerOptions: ${JSON.stringify(t)} is listed twice`);
				else distinct.add(t.toLowerCase());
			}
		} else if (options.length) errors.push(`${at}.answerOptions: only select questions have options`);
		const texts = type === 'YES_NO' ? ['Yes', 'No'] : type === 'SINGLE_SELECT' || type === 'MULTI_SELECT' ? options : [];
		const qid = id ?? String(8200000000000000100n + BigInt(++questionSeq));
		return {
			...question(qid, text, type ?? 'OPEN_ENDED', !!q.isOverall, type === 'RANGE' ? String(min ?? 1) : null, type === 'RANGE' ? String(max ?? 5) : null, texts.map((t, j) => ({ id: String(j + 1), text: t }))),
			isMandatory: !!q.isMandatory,
			answerGuide: q.answerGuide?.trim() || null,
			updated: now
		};
	});
	if (overall > 1) errors.push('questions: at most one question is the overall score');
	if (unread.length) return { errors: unread, card: undefined };
	const card = { scorecardName: name, enabled: body.enabled ?? true, updaterUserId: USER.userId, created: now, updated: now, reviewMethod: body.reviewMethod ?? 'MANUAL', questions };
	return { errors, card };
}
const answer = (questionId, isOverall, score, extra = {}) => ({ questionId, questionRevisionId: questionId, isOverall, score, answerText: null, notApplicable: false, selectedOptions: null, ...extra });
export const ANSWERED = [
	{ answeredScorecardId: '8300000000000000001', scorecardId: SCORECARDS[0].scorecardId, scorecardName: SCORECARDS[0].scorecardName, callId: CALLS[0].id, callStartTime: CALLS[0].started,
		reviewedUserId: USERS[0].id, reviewerUserId: USERS[2].id, reviewTime: '2024-03-05T10:00:00Z', visibilityType: 'PUBLIC', reviewMethod: 'MANUAL',
		answers: [answer('8200000000000000001', true, 4), answer('8200000000000000002', false, null, { selectedOptions: ['Budget'] }), answer('8200000000000000003', false, null, { answerText: 'Ask about the budget owner.' })] },
	{ answeredScorecardId: '8300000000000000002', scorecardId: SCORECARDS[0].scorecardId, scorecardName: SCORECARDS[0].scorecardName, callId: CALLS[1].id, callStartTime: CALLS[1].started,
		reviewedUserId: USERS[1].id, reviewerUserId: USERS[2].id, reviewTime: '2024-03-12T10:00:00Z', visibilityType: 'PUBLIC', reviewMethod: 'MANUAL',
		answers: [answer('8200000000000000001', true, 3)] }
];

/** Routes the smoke test makes answer 403 (a user whose permission profile lacks them). */
export const forbidden = new Set();

// ---- a small checker of answers against the OpenAPI document ----

const spec = JSON.parse(await readFile(OPENAPI, 'utf8'));

function deref(schema) {
	while (schema?.$ref) schema = spec.components.schemas[schema.$ref.split('/').pop()];
	return schema;
}

function typeOk(t, v) {
	if (t === 'null') return v === null;
	if (t === 'integer') return Number.isInteger(v);
	if (t === 'number') return typeof v === 'number';
	if (t === 'array') return Array.isArray(v);
	if (t === 'object') return v !== null && typeof v === 'object' && !Array.isArray(v);
	return typeof v === t;
}

/** Problems of `value` against a schema (types, required, properties, items, oneOf). */
export function checkShape(schema, value, path = '$') {
	schema = deref(schema);
	if (!schema) return [];
	if (schema.oneOf) {
		const fits = schema.oneOf.filter((s) => checkShape(s, value, path).length === 0);
		return fits.length ? [] : [`${path}: fits none of oneOf`];
	}
	const problems = [];
	if (schema.type) {
		const types = Array.isArray(schema.type) ? schema.type : [schema.type];
		if (!types.some((t) => typeOk(t, value))) return [`${path}: ${JSON.stringify(value)} is not ${types.join('|')}`];
	}
	if (Array.isArray(value) && schema.items) value.forEach((v, i) => problems.push(...checkShape(schema.items, v, `${path}[${i}]`)));
	if (value && typeof value === 'object' && !Array.isArray(value)) {
		for (const k of schema.required ?? []) if (!(k in value)) problems.push(`${path}.${k}: required`);
		for (const [k, v] of Object.entries(value)) {
			if (schema.properties?.[k]) problems.push(...checkShape(schema.properties[k], v, `${path}.${k}`));
			else if (schema.properties && schema.additionalProperties === false) problems.push(`${path}.${k}: not allowed`);
		}
	}
	return problems;
}

function responseSchema(method, route, status) {
	const op = spec.paths[route]?.[method.toLowerCase()];
	let r = op?.responses?.[String(status)] ?? op?.responses?.default;
	if (r?.$ref) r = spec.components.responses[r.$ref.split('/').pop()];
	return r?.content?.['application/json']?.schema;
}

// ---- HTTP ----

let counter = 0;
function rid() {
	return `stub${String(++counter).padStart(12, '0')}`;
}

export const requests = [];

/** Calls made through POST /v2/calls, and their media. */
export const UPLOADED = [];
/** The stub's `max_media_bytes`. */
export const STUB_MAX_MEDIA = 40 * 1024 * 1024;

function send(res, status, body, headers = {}) {
	res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
	res.end(JSON.stringify(body));
}

function sendChecked(res, method, route, status, body, headers) {
	// Check what is sent: keys whose value is undefined are not in the JSON.
	body = JSON.parse(JSON.stringify(body));
	const schema = responseSchema(method, route, status);
	if (!schema) throw new Error(`stub: no schema for ${method} ${route} ${status}`);
	const problems = checkShape(schema, body);
	if (problems.length) throw new Error(`stub answer of ${method} ${route} does not fit openapi.json:\n${problems.join('\n')}`);
	send(res, status, body, headers);
}

function gongError(res, method, route, status, message, headers) {
	sendChecked(res, method, route, status, { requestId: rid(), errors: [message] }, headers);
}

async function jsonBody(req) {
	const chunks = [];
	for await (const c of req) chunks.push(c);
	const text = Buffer.concat(chunks).toString('utf8');
	return text ? JSON.parse(text) : {};
}

function signedIn(req) {
	return (req.headers.cookie ?? '').split(';').some((c) => c.trim() === `parley_session=${SESSION_TOKEN}`);
}

/** What the real server does: 401 without a session; a change needs the CSRF token. */
function guard(req, res, method, route) {
	if (!signedIn(req)) {
		// The real server adds `www-authenticate: Basic realm="parley"` here; see docs/ui.md
		// on why the UI needs it left out for browser requests.
		gongError(res, method, route, 401, 'Unauthorized: the access key or secret is wrong, or the key was revoked');
		return false;
	}
	if (method !== 'GET' && method !== 'HEAD' && req.headers['x-csrf-token'] !== CSRF) {
		gongError(res, method, route, 403, 'a change made with a session needs its CSRF token in x-csrf-token');
		return false;
	}
	return true;
}

const PAGE_SIZE = 2;

async function api(req, res, url) {
	const method = req.method;
	const p = url.pathname;
	if (p === '/parley/v1/session' && method === 'POST') {
		const body = await jsonBody(req);
		if (body.email?.trim().toLowerCase() !== USER.email || body.password !== USER.password) {
			return gongError(res, method, p, 403, 'wrong email or password');
		}
		return sendChecked(res, method, p, 200, { requestId: rid(), userId: USER.userId, csrfToken: CSRF, expires: new Date(Date.now() + 12 * 3600e3).toISOString() }, {
			'set-cookie': `parley_session=${SESSION_TOKEN}; Path=/; HttpOnly; SameSite=Strict`
		});
	}
	if (p === '/parley/v1/session' && method === 'DELETE') {
		if (!guard(req, res, method, p)) return;
		return sendChecked(res, method, p, 200, { requestId: rid() }, { 'set-cookie': 'parley_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0' });
	}
	if (p === '/v2/calls' && method === 'GET') {
		if (!guard(req, res, method, p)) return;
		const from = url.searchParams.get('fromDateTime');
		const to = url.searchParams.get('toDateTime');
		const all = CALLS.filter((c) => !DELETED.has(c.id)).filter((c) => (!from || c.started >= new Date(from).toISOString().replace('.000', '')) && (!to || c.started < new Date(to).toISOString().replace('.000', '')));
		if (!all.length) return gongError(res, method, p, 404, 'No calls found corresponding to the provided filters');
		const page = Number(url.searchParams.get('cursor') ?? 0);
		const slice = all.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
		const records = { totalRecords: all.length, currentPageSize: slice.length, currentPageNumber: page };
		if ((page + 1) * PAGE_SIZE < all.length) records.cursor = String(page + 1);
		return sendChecked(res, method, p, 200, { requestId: rid(), records, calls: slice });
	}
	if (p === '/parley/v1/calls' && method === 'GET') {
		if (!guard(req, res, method, p)) return;
		const answer = searchCalls(url.searchParams);
		if (answer.status !== 200) return gongError(res, method, p, answer.status, answer.message);
		return sendChecked(res, method, p, 200, { requestId: rid(), calls: answer.calls, nextCursor: answer.nextCursor });
	}
	if (p === '/v2/calls/extensive' && method === 'POST') {
		if (!guard(req, res, method, p)) return;
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		const ids = body.filter?.callIds?.map(String);
		const hosts = body.filter?.primaryUserIds?.map(String);
		const { fromDateTime: from, toDateTime: to } = body.filter ?? {};
		const found = (ids ? [...CALLS, HOUR_CALL, VIDEO_CALL] : CALLS).filter(
			(c) =>
				!DELETED.has(c.id) &&
				(!ids || ids.includes(c.id)) &&
				(!hosts || hosts.includes(c.primaryUserId)) &&
				(!from || Date.parse(c.started) >= Date.parse(from)) &&
				(!to || Date.parse(c.started) < Date.parse(to)) &&
				(ids || hosts)
		);
		if (!found.length) return gongError(res, method, p, 404, 'No calls found corresponding to the provided filters');
		// A call with no transcript: its transcript's 404 arrives before the call itself, as it
		// did once on the real server in CI. The call page must handle that 404 even while it
		// still waits for the call (an unhandled rejection fails the smoke run as a page error).
		if (ids?.length === 1 && !hasTranscript(ids[0])) await new Promise((r) => setTimeout(r, 300));
		const calls = found.map((c) => ({
			metaData: c,
			parties: body.contentSelector?.exposedFields?.parties ? PARTIES : undefined,
			// Only the first call is analysed; the others show that missing parts are fine.
			content: body.contentSelector?.exposedFields?.content ? (c.id === CALLS[0].id ? CONTENT : c.id === HOUR_CALL.id ? HOUR_CONTENT : { brief: null, trackers: [], topics: [] }) : undefined,
			interaction: body.contentSelector?.exposedFields?.interaction ? (c.id === CALLS[0].id ? INTERACTION : { speakers: [], interactionStats: [] }) : undefined,
			// Absolute, on the configured public URL (another host than the page's), as the
			// real server signs them: the UI must play it same-origin.
			media: body.contentSelector?.exposedFields?.media
				? c.id === CALLS[2].id
					? {}
					: { audioUrl: `http://parley.example.com/parley/v1/calls/${c.id}/media?expires=4102444800&signature=stub-signature`, videoUrl: c.id === VIDEO_CALL.id ? `http://parley.example.com/parley/v1/calls/${c.id}/media?expires=4102444800&signature=stub-signature` : null }
				: undefined
		}));
		return sendChecked(res, method, p, 200, { requestId: rid(), records: { totalRecords: calls.length, currentPageSize: calls.length, currentPageNumber: 0 }, calls });
	}

	const team = {
		'/v2/stats/interaction': (b) => ({ list: INTERACTION_STATS, key: 'peopleInteractionStats' }),
		'/v2/stats/activity/aggregate': (b) => ({ list: ACTIVITY, key: 'usersAggregateActivityStats' })
	};
	if (team[p] && method === 'POST') {
		if (!guard(req, res, method, p)) return;
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		if (forbidden.has(p)) return gongError(res, method, p, 403, 'your permission profile does not allow reading stats');
		const { fromDate, toDate } = body.filter ?? {};
		if (!fromDate || !toDate) return gongError(res, method, p, 400, 'filter.fromDate is required');
		// A period before 2024 has nothing (the empty state).
		if (toDate < '2024-01-01') return gongError(res, method, p, 404, 'No stats found corresponding to the provided filters');
		const { list, key } = team[p](body);
		// Two pages of users: the page must follow records.cursor.
		const page = Number(body.cursor ?? 0);
		const slice = list.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
		const records = { totalRecords: list.length, currentPageSize: slice.length, currentPageNumber: page };
		if ((page + 1) * PAGE_SIZE < list.length) records.cursor = String(page + 1);
		return sendChecked(res, method, p, 200, { requestId: rid(), records, timeZone: 'Europe/London', fromDateTime: `${fromDate}T00:00:00Z`, toDateTime: `${toDate}T00:00:00Z`, [key]: slice });
	}
	if (p === '/v2/stats/activity/aggregate-by-period' && method === 'POST') {
		if (!guard(req, res, method, p)) return;
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		if (forbidden.has(p)) return gongError(res, method, p, 403, 'your permission profile does not allow reading stats');
		const { fromDate, toDate } = body.filter ?? {};
		if (!fromDate || !toDate) return gongError(res, method, p, 400, 'filter.fromDate is required');
		if (!['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'].includes(body.aggregationPeriod)) return gongError(res, method, p, 400, 'aggregationPeriod must be DAY, WEEK, MONTH, QUARTER or YEAR');
		if (toDate < '2024-01-01') return gongError(res, method, p, 404, 'No stats found corresponding to the provided filters');
		const list = activityByPeriod(fromDate, toDate, body.aggregationPeriod);
		const page = Number(body.cursor ?? 0);
		const slice = list.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
		const records = { totalRecords: list.length, currentPageSize: slice.length, currentPageNumber: page };
		if ((page + 1) * PAGE_SIZE < list.length) records.cursor = String(page + 1);
		return sendChecked(res, method, p, 200, { requestId: rid(), records, usersAggregateActivity: slice });
	}
	if (p === '/v2/users' && method === 'GET') {
		if (!guard(req, res, method, p)) return;
		return sendChecked(res, method, p, 200, { requestId: rid(), records: { totalRecords: USERS.length, currentPageSize: USERS.length, currentPageNumber: 0 }, users: USERS });
	}
	let m = /^\/v2\/users\/(\d+)$/.exec(p);
	if (m && method === 'GET') {
		const route = '/v2/users/{id}';
		if (!guard(req, res, method, route)) return;
		const u = USERS.find((x) => x.id === m[1]);
		if (!u) return gongError(res, method, route, 404, `user ${m[1]} not found`);
		return sendChecked(res, method, route, 200, { requestId: rid(), user: u });
	}
	if (p === '/v2/library/folders' && method === 'GET') {
		if (!guard(req, res, method, p)) return;
		if (forbidden.has(p)) return gongError(res, method, p, 403, 'your permission profile does not allow the library');
		const folders = visibleFolders().map(folderWire);
		return sendChecked(res, method, p, 200, { requestId: rid(), records: { totalRecords: folders.length, currentPageSize: folders.length, currentPageNumber: 0 }, folders });
	}
	if (p === '/v2/library/folder-content' && method === 'GET') {
		if (!guard(req, res, method, p)) return;
		const f = visibleFolders().find((x) => x.id === url.searchParams.get('folderId'));
		if (!f) return gongError(res, method, p, 404, 'folder not found');
		const calls = folderCalls(f.id);
		return sendChecked(res, method, p, 200, { requestId: rid(), records: { totalRecords: calls.length, currentPageSize: calls.length, currentPageNumber: 0 }, id: f.id, name: f.name, createdBy: f.createdBy, updated: f.updated, calls });
	}
	if (p === '/v2/workspaces' && method === 'GET') {
		if (!guard(req, res, method, p)) return;
		return sendChecked(res, method, p, 200, { requestId: rid(), workspaces: [{ id: '5000000000000000001', name: 'Sales', description: null }, { id: '5000000000000000002', name: 'Success', description: null }] });
	}
	if (p === '/v2/settings/scorecards' && method === 'GET') {
		if (!guard(req, res, method, p)) return;
		return sendChecked(res, method, p, 200, { requestId: rid(), scorecards: SCORECARDS });
	}
	if (p === '/v2/stats/activity/scorecards' && method === 'POST') {
		if (!guard(req, res, method, p)) return;
		if (forbidden.has(p)) return gongError(res, method, p, 403, 'your permission profile does not allow reading scorecards');
		return sendChecked(res, method, p, 200, { requestId: rid(), records: { totalRecords: ANSWERED.length, currentPageSize: ANSWERED.length, currentPageNumber: 0 }, answeredScorecards: ANSWERED });
	}
	if (p === '/v2/calls' && method === 'POST') {
		if (!guard(req, res, method, p)) return;
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		const missing = ['clientUniqueId', 'actualStart', 'parties', 'direction', 'primaryUser'].filter((k) => body[k] == null);
		if (missing.length) return gongError(res, method, p, 400, `${missing[0]} is required`);
		if (!body.parties.some((x) => String(x.userId) === String(body.primaryUser))) return gongError(res, method, p, 400, 'the primary user must be one of the parties');
		// A repeated clientUniqueId answers with the call made the first time, as the server does.
		let made = UPLOADED.find((c) => c.clientUniqueId === body.clientUniqueId);
		if (!made) {
			made = { id: String(7200000000000000001n + BigInt(UPLOADED.length)), clientUniqueId: body.clientUniqueId, body, media: null, polls: 0 };
			UPLOADED.push(made);
		}
		return sendChecked(res, method, p, 200, { requestId: rid(), callId: made.id, url: `http://parley.example.com/call?id=${made.id}` });
	}
	m = /^\/v2\/calls\/(\d+)\/media$/.exec(p);
	if (m && method === 'PUT') {
		const route = '/v2/calls/{id}/media';
		if (!guard(req, res, method, route)) return;
		const made = UPLOADED.find((c) => c.id === m[1] && !c.deleted);
		if (!made) return gongError(res, method, route, 404, `call ${m[1]} not found`);
		// Read slowly (a chunk every 10 ms) once past 12 MB, so that the browser's upload
		// progress moves: the sockets' buffers take the first megabytes at once.
		let size = 0;
		let head = '';
		const whole = await new Promise((ok) => {
			req.on('data', (chunk) => {
				size += chunk.length;
				if (head.length < 2048) head += chunk.subarray(0, 2048).toString('latin1');
				if (size > STUB_MAX_MEDIA) return;
				req.pause();
				setTimeout(() => req.resume(), size > 12 * 1024 * 1024 ? 10 : 0);
			});
			req.on('end', () => ok(true));
			// The browser cancelled: nobody is left to answer.
			req.on('error', () => ok(false));
		});
		if (!whole) return;
		const fileName = /name="mediaFile"; filename="([^"]*)"/.exec(head)?.[1];
		requests.at(-1).fileName = fileName;
		if (size > STUB_MAX_MEDIA) return gongError(res, method, route, 413, `mediaFile is larger than the ${STUB_MAX_MEDIA} byte limit`);
		if (/not audio/.test(head)) return gongError(res, method, route, 400, 'mediaFile: ffprobe found no audio or video stream');
		made.media = { fileName, size };
		return sendChecked(res, method, route, 201, { requestId: rid(), callId: made.id, url: `http://parley.example.com/call?id=${made.id}` });
	}
	m = /^\/parley\/v1\/calls\/(\d+)\/jobs$/.exec(p);
	if (m && method === 'GET') {
		const route = '/parley/v1/calls/{id}/jobs';
		if (!guard(req, res, method, route)) return;
		const made = UPLOADED.find((c) => c.id === m[1] && !c.deleted);
		if (!made) return gongError(res, method, route, 404, `call ${m[1]} not found`);
		// Queued, then transcribing, then done (with its analysis) on the third look.
		const n = made.media ? ++made.polls : 0;
		const at = '2024-03-04T10:00:00Z';
		const job = (id, kind, state, progress = null) => ({ id, kind, callId: made.id, state, attempts: state === 'queued' ? 0 : 1, maxAttempts: 3, crashes: 0, progress, error: null, created: at, updated: at, runAfter: at, finished: state === 'done' ? at : null, actions: actionsOf(kind, state) });
		const jobs = !made.media ? [] : n <= 1 ? [job('1', 'transcribe', 'queued')] : n === 2 ? [job('1', 'transcribe', 'running', 0.4)] : [job('1', 'transcribe', 'done', 1), job('2', 'analyze', 'done', 1)];
		return sendChecked(res, method, route, 200, { requestId: rid(), jobs });
	}
	m = /^\/parley\/v1\/calls\/(\d+)\/transcript$/.exec(p);
	if (m && method === 'GET') {
		const route = '/parley/v1/calls/{id}/transcript';
		if (!guard(req, res, method, route)) return;
		if (!hasTranscript(m[1])) return gongError(res, method, route, 404, `call ${m[1]} has no transcript`);
		if (m[1] === HOUR_CALL.id) return sendHour(res, method, route);
		return sendChecked(res, method, route, 200, transcriptOf(m[1]));
	}
	m = /^\/parley\/v1\/calls\/(\d+)\/waveform$/.exec(p);
	if (m && method === 'GET') {
		const route = '/parley/v1/calls/{id}/waveform';
		if (!guard(req, res, method, route)) return;
		// Only the first call's recording is transcribed (the second's is not yet, the third has none).
		if (m[1] === HOUR_CALL.id) return sendHourWaveform(res, method, route);
		if (m[1] !== CALLS[0].id || WAVEFORM.missing || DELETED.has(m[1])) return gongError(res, method, route, 404, `call ${m[1]} has no waveform`);
		return sendChecked(res, method, route, 200, { requestId: rid(), ...waveformOf(m[1]) });
	}
	m = /^\/parley\/v1\/calls\/(\d+)\/media$/.exec(p);
	if (m && method === 'GET') {
		const route = '/parley/v1/calls/{id}/media';
		if (url.searchParams.get('signature') !== 'stub-signature' && !guard(req, res, method, route)) return;
		const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
		if (m[1] === HOUR_CALL.id) return silentHour(res, range);
		const size = WAV.length;
		if (!range) {
			res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': size, 'accept-ranges': 'bytes' });
			return res.end(WAV);
		}
		const start = Number(range[1]);
		const end = Math.min(range[2] ? Number(range[2]) : size - 1, size - 1);
		if (start >= size) return gongError(res, method, route, 416, 'range past the end');
		res.writeHead(206, { 'content-type': 'audio/wav', 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' });
		return res.end(WAV.subarray(start, end + 1));
	}
	// First run, deleting calls, the job queue: see "admin" at the end.
	if (await adminApi(req, res, url)) return;
	// Settings (trackers, users, keys, the session's permissions): see the section at the end.
	if (await settingsApi(req, res, url)) return;
	// Settings › OAuth apps and CRM connections: see oauthCrmApi.
	if (await oauthCrmApi(req, res, url)) return;
	if (await libraryApi(req, res, url)) return;
	if (await callPageApi(req, res, url)) return;
	if (await profilesApi(req, res, url)) return;
	// Team averages and sharing a call outside the company (ui-share-averages).
	if (await shareApi(req, res, url)) return;
	send(res, 404, { requestId: rid(), errors: ['Not Found'] });
}

// ---- call page: speakers, scorecards, comments, library (ui-callpage) ----
// Each answers in the format of the real route (checked against openapi.json like the
// rest). State lives in CALLPAGE and is changed by the PUT/POST handlers; the smoke test
// resets it with resetCallPage().

export const CALLPAGE = { answered: [], comments: [], libraryItems: [], speakerPuts: [], seeded: false, seedGone: false, seq: 0 };
const INITIAL_SPEAKERS = PARTIES.map((x) => x.speakerId);
/** Back to the fixtures; `seeded`: the first call then has a comment (the steps before the
 * call page's own see none, so their timeline has no comments row). */
export function resetCallPage({ seeded = false } = {}) {
	CALLPAGE.seeded = seeded;
	CALLPAGE.seedGone = false;
	CALLPAGE.answered = [];
	CALLPAGE.comments = [];
	CALLPAGE.libraryItems = [];
	CALLPAGE.speakerPuts = [];
	PARTIES.length = INITIAL_SPEAKERS.length;
	PARTIES.forEach((x, i) => (x.speakerId = INITIAL_SPEAKERS[i]));
}

function speakersView(callId) {
	const voices = [...new Set(transcriptOf(callId).transcript.map((m) => m.speakerId))];
	return voices.map((sid) => {
		const party = PARTIES.find((x) => x.speakerId === sid);
		return {
			speakerId: sid, channel: null, speechMs: 4000, partyId: party?.id ?? null, partyName: party?.name ?? null,
			userId: party?.userId ?? null, assignedBy: party ? 'manual' : 'unmatched', hasVoiceprint: false
		};
	});
}

const SEEDED_COMMENT = { id: '9100000000000000001', audioStartTime: 10.4, audioEndTime: 10.4, commenterUserId: USERS[1].id, comment: 'Good pain point, @[Ada Lovelace](1000000000000000001)', posted: '2024-03-05T09:00:00Z', inReplyTo: null, duringCall: false, public: true };
function commentsOf(callId) {
	const seeded = CALLPAGE.seeded && !CALLPAGE.seedGone && callId === CALLS[0].id ? [SEEDED_COMMENT] : [];
	return [...seeded, ...CALLPAGE.comments.filter((c) => c.callId === callId).map(({ callId, ...c }) => c)];
}
/** The server's rule the smoke test relies on: a mandatory question needs an answer. */
function mandatoryProblems(card, body) {
	return card.questions
		.filter((q) => q.isMandatory)
		.filter((q) => {
			const a = body.answers?.find((x) => String(x.questionId) === q.questionId);
			return !a || a.notApplicable || (a.score == null && !a.selectedOptions?.length && !a.answerText);
		})
		.map((q) => `answers: "${q.questionText}" is mandatory`);
}
/** Every question's answer as stored (one left out is not applicable). */
function answersOf(card, body) {
	return card.questions.map((q) => {
		const a = body.answers?.find((x) => String(x.questionId) === q.questionId) ?? { notApplicable: true };
		return {
			questionId: q.questionId, questionRevisionId: q.questionRevisionId, isOverall: q.isOverall, score: a.score ?? null,
			answerText: a.answerText ?? null, notApplicable: !!a.notApplicable, selectedOptions: a.selectedOptions ?? null
		};
	});
}

async function callPageApi(req, res, url) {
	const method = req.method;
	const p = url.pathname;
	let m = /^\/parley\/v1\/calls\/(\d+)\/speakers$/.exec(p);
	if (m && method === 'GET') {
		const route = '/parley/v1/calls/{id}/speakers';
		if (!guard(req, res, method, route)) return true;
		sendChecked(res, method, route, 200, { requestId: rid(), speakers: speakersView(m[1]) });
		return true;
	}
	m = /^\/parley\/v1\/calls\/(\d+)\/speakers\/(\d+)$/.exec(p);
	if (m && method === 'PUT') {
		const route = '/parley/v1/calls/{id}/speakers/{speaker}';
		if (!guard(req, res, method, route)) return true;
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		if ((body.partyId == null) === (body.userId == null)) {
			gongError(res, method, route, 400, 'give one of partyId and userId');
			return true;
		}
		let party = body.partyId != null ? PARTIES.find((x) => x.id === String(body.partyId)) : PARTIES.find((x) => x.userId === String(body.userId));
		if (!party && body.userId != null) {
			// A company user not on the call becomes a party of it, as the server does.
			const u = USERS.find((x) => x.id === String(body.userId));
			if (!u) {
				gongError(res, method, route, 404, `user ${body.userId} not found`);
				return true;
			}
			party = { id: String(PARTIES.length + 1), name: `${u.firstName} ${u.lastName}`, emailAddress: u.emailAddress, userId: u.id, speakerId: null, context: [], affiliation: 'Internal', methods: ['Attendee'] };
			PARTIES.push(party);
		}
		if (!party) {
			gongError(res, method, route, 404, `party ${body.partyId} is not a party of call ${m[1]}`);
			return true;
		}
		// As the store does: no other party keeps this voice.
		for (const x of PARTIES) if (x.speakerId === m[2]) x.speakerId = null;
		party.speakerId = m[2];
		CALLPAGE.speakerPuts.push({ speaker: m[2], partyId: party.id, ...(body.userId != null ? { userId: String(body.userId) } : {}) });
		sendChecked(res, method, route, 200, { requestId: rid(), speakers: speakersView(m[1]) });
		return true;
	}
	if (p === '/parley/v1/scorecards' && method === 'GET') {
		if (!guard(req, res, method, p)) return true;
		sendChecked(res, method, p, 200, { requestId: rid(), scorecards: SCORECARDS });
		return true;
	}
	if (p === '/parley/v1/scorecards' && method === 'POST') {
		if (!guard(req, res, method, p)) return true;
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		if (!canOf(SETTINGS.role).manageScorecards) return (gongError(res, method, p, 403, 'this needs the admin role'), true);
		const ws = body.workspaceId == null ? STUB_WORKSPACES[0] : String(body.workspaceId);
		if (!STUB_WORKSPACES.includes(ws)) return (gongError(res, method, p, 404, `Workspace ID ${body.workspaceId} was not found`), true);
		const made = scorecardOf(body, undefined);
		if (made.errors.length) return (sendChecked(res, method, p, 400, { requestId: rid(), errors: made.errors }), true);
		const card = { scorecardId: String(8100000000000000100n + BigInt(CALLPAGE.seq++)), workspaceId: ws, ...made.card };
		SCORECARDS.push(card);
		sendChecked(res, method, p, 201, { requestId: rid(), scorecard: card });
		return true;
	}
	m = /^\/parley\/v1\/scorecards\/([^/]+)$/.exec(p);
	if (m && (method === 'GET' || method === 'PUT' || method === 'DELETE')) {
		const route = '/parley/v1/scorecards/{id}';
		if (!guard(req, res, method, route)) return true;
		const body = method === 'PUT' ? await jsonBody(req) : undefined;
		if (body) requests.at(-1).body = body;
		const i = SCORECARDS.findIndex((x) => x.scorecardId === m[1]);
		if (i < 0) return (gongError(res, method, route, 404, `Scorecard ID ${m[1]} was not found`), true);
		if (method === 'GET') return (sendChecked(res, method, route, 200, { requestId: rid(), scorecard: SCORECARDS[i] }), true);
		if (!canOf(SETTINGS.role).manageScorecards) return (gongError(res, method, route, 403, 'this needs the admin role'), true);
		if (method === 'DELETE') {
			SCORECARDS.splice(i, 1);
			return (sendChecked(res, method, route, 200, { requestId: rid() }), true);
		}
		const old = SCORECARDS[i];
		if (body.workspaceId != null && String(body.workspaceId) !== old.workspaceId) {
			return (sendChecked(res, method, route, 400, { requestId: rid(), errors: [`workspaceId: scorecard ${old.scorecardId} belongs to workspace ${old.workspaceId}; a scorecard cannot move`] }), true);
		}
		const made = scorecardOf(body, old);
		if (made.errors.length) return (sendChecked(res, method, route, 400, { requestId: rid(), errors: made.errors }), true);
		SCORECARDS[i] = { ...old, ...made.card, created: old.created };
		sendChecked(res, method, route, 200, { requestId: rid(), scorecard: SCORECARDS[i] });
		return true;
	}
	m = /^\/parley\/v1\/calls\/(\d+)\/scorecards$/.exec(p);
	if (m && (method === 'GET' || method === 'POST')) {
		const route = '/parley/v1/calls/{id}/scorecards';
		if (!guard(req, res, method, route)) return true;
		const mine = () => [...ANSWERED.filter((a) => a.callId === m[1]), ...CALLPAGE.answered.filter((a) => a.callId === m[1])];
		if (method === 'GET') {
			sendChecked(res, method, route, 200, { requestId: rid(), answeredScorecards: mine() });
			return true;
		}
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		const card = SCORECARDS.find((x) => x.scorecardId === String(body.scorecardId));
		if (!card || !card.enabled) {
			gongError(res, method, route, 404, `scorecard ${body.scorecardId} not found`);
			return true;
		}
		const problems = mandatoryProblems(card, body);
		if (problems.length) {
			sendChecked(res, method, route, 400, { requestId: rid(), errors: problems });
			return true;
		}
		const call = CALLS.find((c) => c.id === m[1]);
		const answered = {
			answeredScorecardId: String(8300000000000000100n + BigInt(CALLPAGE.seq++)), scorecardId: card.scorecardId, scorecardName: card.scorecardName,
			callId: m[1], callStartTime: call.started, reviewedUserId: String(body.reviewedUserId ?? call.primaryUserId), reviewerUserId: USER.userId,
			reviewTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), visibilityType: 'PUBLIC', reviewMethod: 'MANUAL',
			answers: answersOf(card, body),
			editorUserId: null, editTime: null
		};
		CALLPAGE.answered.push(answered);
		sendChecked(res, method, route, 201, { requestId: rid(), answeredScorecard: answered });
		return true;
	}
	m = /^\/parley\/v1\/calls\/(\d+)\/comments$/.exec(p);
	if (m && (method === 'GET' || method === 'POST')) {
		const route = '/parley/v1/calls/{id}/comments';
		if (!guard(req, res, method, route)) return true;
		if (method === 'GET') {
			sendChecked(res, method, route, 200, { requestId: rid(), comments: commentsOf(m[1]) });
			return true;
		}
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		for (const mm of String(body.comment ?? '').matchAll(/@\[[^\]]*\]\((\d+)\)/g)) {
			if (!USERS.some((u) => u.id === mm[1])) {
				gongError(res, method, route, 400, `comment: the mention of user ${mm[1]} names no user`);
				return true;
			}
		}
		const at = body.audioStartTime ?? 0;
		const c = {
			id: String(9100000000000000100n + BigInt(CALLPAGE.seq++)), audioStartTime: at, audioEndTime: body.audioEndTime ?? at,
			commenterUserId: USER.userId, comment: body.comment, posted: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
			inReplyTo: body.inReplyTo ?? null, duringCall: false, public: body.public ?? true
		};
		CALLPAGE.comments.push({ ...c, callId: m[1] });
		sendChecked(res, method, route, 201, { requestId: rid(), comment: c });
		return true;
	}
	m = /^\/parley\/v1\/calls\/(\d+)\/comments\/(\d+)$/.exec(p);
	if (m && method === 'DELETE') {
		// The server's rule: the comment's author or an admin; the replies go with it.
		// `forbidden` holding the route makes it refuse anyway (as for a role changed since sign-in).
		const route = '/parley/v1/calls/{id}/comments/{comment}';
		if (!guard(req, res, method, route)) return true;
		const c = commentsOf(m[1]).find((x) => x.id === m[2]);
		if (!c) {
			gongError(res, method, route, 404, `comment ${m[2]} not found on call ${m[1]}`);
			return true;
		}
		if (forbidden.has(route) || (SETTINGS.role !== 'admin' && c.commenterUserId !== USER.userId)) {
			gongError(res, method, route, 403, 'only its author or an admin may delete a comment');
			return true;
		}
		const gone = new Set([c.id]);
		for (let grew = true; grew; ) {
			grew = false;
			for (const x of commentsOf(m[1])) if (x.inReplyTo && gone.has(x.inReplyTo) && !gone.has(x.id)) gone.add(x.id), (grew = true);
		}
		if (gone.has(SEEDED_COMMENT.id)) CALLPAGE.seedGone = true;
		CALLPAGE.comments = CALLPAGE.comments.filter((x) => !(x.callId === m[1] && gone.has(x.id)));
		sendChecked(res, method, route, 200, { requestId: rid(), deleted: gone.size });
		return true;
	}
	m = /^\/parley\/v1\/calls\/(\d+)\/scorecards\/(\d+)$/.exec(p);
	if (m && (method === 'PUT' || method === 'DELETE')) {
		// The server's rules: its reviewer or an admin; a PUT gives the answers in full.
		const route = '/parley/v1/calls/{id}/scorecards/{answered}';
		if (!guard(req, res, method, route)) return true;
		const list = CALLPAGE.answered.some((a) => a.answeredScorecardId === m[2]) ? CALLPAGE.answered : ANSWERED;
		const a = list.find((x) => x.callId === m[1] && x.answeredScorecardId === m[2]);
		if (!a) {
			gongError(res, method, route, 404, `answered scorecard ${m[2]} not found on call ${m[1]}`);
			return true;
		}
		if (forbidden.has(route) || (SETTINGS.role !== 'admin' && a.reviewerUserId !== USER.userId)) {
			gongError(res, method, route, 403, 'only its reviewer or an admin may change a filled scorecard');
			return true;
		}
		if (method === 'DELETE') {
			list.splice(list.indexOf(a), 1);
			sendChecked(res, method, route, 200, { requestId: rid() });
			return true;
		}
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		const card = SCORECARDS.find((x) => x.scorecardId === a.scorecardId);
		const problems = mandatoryProblems(card, body);
		if (problems.length) {
			sendChecked(res, method, route, 400, { requestId: rid(), errors: problems });
			return true;
		}
		if (body.answers) a.answers = answersOf(card, body);
		if (body.visibilityType) a.visibilityType = body.visibilityType;
		a.editorUserId = USER.userId;
		a.editTime = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
		sendChecked(res, method, route, 200, { requestId: rid(), answeredScorecard: a });
		return true;
	}
	m = /^\/parley\/v1\/library\/folders\/(\d+)\/calls$/.exec(p);
	if (m && method === 'POST') {
		const route = '/parley/v1/library/folders/{id}/calls';
		if (!guard(req, res, method, route)) return true;
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		if (!FOLDERS.some((f) => f.id === m[1])) {
			gongError(res, method, route, 404, `folder ${m[1]} not found`);
			return true;
		}
		const item = {
			id: String(6200000000000000001n + BigInt(CALLPAGE.libraryItems.length)), folderId: m[1], callId: String(body.callId), note: body.note ?? null,
			fromSec: body.fromSec ?? null, toSec: body.toSec ?? null, addedBy: USER.userId, added: new Date().toISOString().replace(/\.\d+Z$/, 'Z')
		};
		CALLPAGE.libraryItems.push(item);
		sendChecked(res, method, route, 201, { requestId: rid(), item });
		return true;
	}
	return false;
}

const API = /^\/(v2|parley|oauth2|mcp|openapi\.json|docs\/api|health)(\/|$)/;

async function serve(req, res) {
	const url = new URL(req.url, 'http://stub');
	requests.push({ method: req.method, path: url.pathname, query: url.search, csrf: req.headers['x-csrf-token'] ?? null });
	if (API.test(url.pathname)) return api(req, res, url);
	// Static files of dist/; a missing hashed asset is a 404, never the SPA shell.
	const file = normalize(join(DIST, decodeURIComponent(url.pathname)));
	if (file.startsWith(DIST + '/')) {
		const s = await stat(file).catch(() => null);
		if (s?.isFile()) {
			const immutable = url.pathname.startsWith('/_app/immutable/');
			res.writeHead(200, {
				'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
				'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
				'x-content-type-options': 'nosniff'
			});
			return res.end(await readFile(file));
		}
	}
	if (url.pathname.startsWith('/_app/')) {
		res.writeHead(404, { 'content-type': 'text/plain' });
		return res.end('not found');
	}
	res.writeHead(200, {
		'content-type': TYPES['.html'],
		'cache-control': 'no-store',
		'content-security-policy': CSP_HEADER,
		'x-content-type-options': 'nosniff',
		'referrer-policy': 'same-origin'
	});
	res.end(await readFile(join(DIST, 'index.html')));
}

export function start(port = 0) {
	return new Promise((ok) => {
		const server = createServer((req, res) =>
			serve(req, res).catch((e) => {
				console.error(e);
				if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
				res.end(String(e));
			})
		);
		server.listen(port, '127.0.0.1', () => ok(server));
	});
}

export { CALLS, LINES };

// ---- Settings: the session's permissions, trackers (preview, back-fill), users, API keys ----

/** What the signed-in stub user is: `admin` (may manage everything) or `member` (nothing). */
export const SETTINGS = { role: 'admin' };
const WS = '5000000000000000001';
const AT = '2024-03-20T10:00:00Z';
export const TRACKERS = [];
const BACKFILLS = new Map();
let settingsSeq = 0;
const settingsId = () => String(6100000000000000000n + BigInt(++settingsSeq));
export const SETTINGS_USERS = USERS.map((u, i) => ({
	id: u.id,
	email: u.emailAddress,
	firstName: u.firstName,
	lastName: u.lastName,
	title: u.title ?? null,
	active: true,
	managerId: u.managerId,
	role: i === 0 ? 'admin' : i === 1 ? 'manager' : 'member',
	profiles: i === 2 ? [{ workspaceId: WS, profileId: '8000000000000000001' }] : []
}));
const PROFILES = [
	{ id: '8000000000000000001', name: 'Sales ops' },
	{ id: '8000000000000000002', name: 'Read-only reviewers' }
];
export const STUB_TOPICS = new Map();
const DEFAULT_TOPICS = [
	{ name: 'Pricing', keywords: ['price', 'pricing', 'cost'] },
	{ name: 'Next steps', keywords: ['next step', 'follow up'] }
];
export const RULES = [
	{
		id: '9100000000000000001',
		workspaceId: WS,
		name: 'Competitors to Slack',
		enabled: true,
		filter: { directions: ['Outbound'], externalParticipants: true, trackers: [{ trackerId: '42', minCount: 2 }], topics: [], titleWords: [], participantDomains: [], primaryUsers: [], teams: [], scopes: [], crm: null, minDurationSec: 300, maxDurationSec: null },
		actions: [{ type: 'Webhook', url: 'https://hooks.example.com/services/T0/B0/SECRET', auth: 'SecretInUrl' }],
		disabledReason: null,
		consecutiveFailures: 0,
		created: AT,
		updated: AT
	}
];
/** Rules deleted through DELETE …/rules/{id} (their ids are not given again). */
export const DELETED_RULES = [];
const WORKSPACE_IDS = [WS, '5000000000000000002'];
export const CONNECTORS = [
	{ id: '9300000000000000001', workspaceId: WS, name: 'Salesforce', kind: 'salesforce', settings: { loginUrl: 'https://login.salesforce.com', apiVersion: 'v62.0', auth: 'client_credentials', clientId: '3MVG9fMtCkV6eLhdjB5FspKNuLjXBmL0B7Cq' }, secrets: { clientSecret: '<redacted>' }, created: AT, updated: AT }
];
const FILTER_FIELDS = ['directions', 'scopes', 'primaryUsers', 'teams', 'externalParticipants', 'participantDomains', 'minDurationSec', 'maxDurationSec', 'trackers', 'topics', 'crm', 'titleWords'];

/** The server's checks of a rule body (RuleBody's serde, `RuleBody::actions`, `automation::check`
 * and the connector's workspace), in its words: `{status}` for a 404, else the 400's problems. */
function ruleProblems(b, workspaceId) {
	if (!b || typeof b !== 'object' || Array.isArray(b)) return { problems: ['invalid type: expected struct RuleBody'] };
	if (typeof b.name !== 'string') return { problems: ['missing field `name`'] };
	if (!Array.isArray(b.actions)) return { problems: ['missing field `actions`'] };
	const f = b.filter ?? {};
	const unknown = Object.keys(f).find((k) => !FILTER_FIELDS.includes(k));
	if (unknown) return { problems: [`unknown field \`${unknown}\`, expected one of ${FILTER_FIELDS.map((k) => `\`${k}\``).join(', ')}`] };
	for (const k of ['minDurationSec', 'maxDurationSec']) {
		if (f[k] != null && !Number.isInteger(f[k])) return { problems: [`invalid type: ${JSON.stringify(f[k])}, expected i64`] };
	}
	for (const a of b.actions) {
		if (a?.type !== 'Webhook' && a?.type !== 'CrmField') return { problems: [`unknown variant \`${a?.type}\`, expected \`Webhook\` or \`CrmField\``] };
		if (a.type === 'Webhook' && !['Jwt', 'SecretInUrl'].includes(a.auth)) return { problems: [`unknown variant \`${a.auth}\`, expected \`SecretInUrl\` or \`Jwt\``] };
	}
	if (!WORKSPACE_IDS.includes(workspaceId)) return { status: 404, problems: [`workspace ${workspaceId} was not found`] };
	const problems = [];
	// RuleBody::actions: each CRM field action's own mistakes.
	for (const [i, a] of b.actions.entries()) {
		if (a.type !== 'CrmField') continue;
		if (a.objectType != null && !['Opportunity', 'Deal'].includes(a.objectType)) problems.push(`actions[${i}].objectType must be one of Opportunity, Deal`);
		// parse_id: up to 19 digits, as every generated id has (openapi.json's pattern says 18).
		if (!/^\s*[0-9]{1,19}\s*$/.test(a.connectorId ?? '')) problems.push(`actions[${i}].connectorId must be a connector id`);
	}
	if (problems.length) return { problems };
	const name = b.name.trim();
	if (!name) problems.push('name must not be empty');
	else if ([...name].length > 200) problems.push('name is longer than 200 characters');
	if (!b.actions.length) problems.push('actions must hold at least one action');
	if (b.actions.length > 10) problems.push(`actions has ${b.actions.length} entries, more than the 10 allowed (max_rule_actions)`);
	if (f.minDurationSec != null && f.maxDurationSec != null && f.minDurationSec > f.maxDurationSec) problems.push('filter.minDurationSec is above filter.maxDurationSec');
	for (const [i, a] of b.actions.entries()) {
		if (a.type === 'Webhook') {
			let u;
			try {
				u = new URL(a.url);
			} catch {
				problems.push(`actions[${i}].url is not an absolute url`);
				continue;
			}
			if (!['http:', 'https:'].includes(u.protocol)) problems.push(`actions[${i}].url must be http or https`);
			else if (u.username || u.password) problems.push(`actions[${i}].url must not hold a user name or password`);
		} else {
			if (!String(a.field ?? '').trim()) problems.push(`actions[${i}].field must not be empty`);
			else if (typeof a.tracker === 'string' && !a.tracker.trim()) problems.push(`actions[${i}].tracker must not be empty`);
		}
	}
	for (const [i, a] of b.actions.entries()) {
		if (a.type === 'CrmField' && !CONNECTORS.some((c) => c.id === a.connectorId.trim() && c.workspaceId === workspaceId)) {
			problems.push(`actions[${i}]: crm connector ${a.connectorId.trim()} is not a connector of workspace ${workspaceId}`);
		}
	}
	return { problems };
}

/** A rule as the server shows it: the filter in full (the domain's defaults), CRM actions with theirs. */
function ruleView(id, b, workspaceId, old) {
	const f = b.filter ?? {};
	const enabled = b.enabled ?? true;
	return {
		id,
		workspaceId,
		name: b.name.trim(),
		enabled,
		filter: {
			directions: f.directions ?? [],
			scopes: f.scopes ?? [],
			primaryUsers: f.primaryUsers ?? [],
			teams: f.teams ?? [],
			externalParticipants: f.externalParticipants ?? null,
			participantDomains: f.participantDomains ?? [],
			minDurationSec: f.minDurationSec ?? null,
			maxDurationSec: f.maxDurationSec ?? null,
			trackers: (f.trackers ?? []).map((t) => ({ trackerId: t.trackerId, minCount: t.minCount || 1 })),
			topics: f.topics ?? [],
			crm: f.crm ? { objectType: f.crm.objectType ?? null, field: f.crm.field ?? null, ...(f.crm.value != null ? { value: f.crm.value } : {}) } : null,
			titleWords: f.titleWords ?? []
		},
		actions: b.actions.map((a) =>
			a.type === 'Webhook'
				? { type: 'Webhook', url: a.url, auth: a.auth }
				: { type: 'CrmField', tracker: typeof a.tracker === 'string' ? a.tracker.trim() : { id: String(a.tracker.id) }, objectType: a.objectType ?? 'Opportunity', field: a.field.trim(), mergeWithCurrent: !!a.mergeWithCurrent, connectorId: a.connectorId.trim() }
		),
		// Enabling clears the reason it was switched off and its run of failures.
		disabledReason: enabled ? null : (old?.disabledReason ?? null),
		consecutiveFailures: enabled ? 0 : (old?.consecutiveFailures ?? 0),
		created: old?.created ?? AT,
		updated: new Date().toISOString()
	};
}
export const DELIVERIES = [];
function delivery(ruleId, state, responseCode, isTest) {
	const d = { id: String(9200000000000000001n + BigInt(DELIVERIES.length)), ruleId, callId: CALLS[0].id, action: 0, isTest, state, attempts: state === 'pending' ? 0 : 1, responseCode, latencyMs: responseCode ? 120 : null, response: responseCode ? 'ok' : null, error: state === 'failed' ? 'the receiver answered 500' : null, created: AT, updated: AT };
	DELIVERIES.push(d);
	return d;
}
delivery(RULES[0].id, 'delivered', 200, false);
delivery(RULES[0].id, 'failed', 500, false);
delivery(RULES[0].id, 'delivered', 200, true);
export const NEW_WORKSPACES = [];
export const KEYS = [
	{ accessKey: 'PK0000000000000000000001', name: 'airbyte', scopes: 'api:calls:read:basic', preset: 'read-only', workspaceId: null, ownerUserId: null, created: '2024-03-01T09:00:00Z', lastUsed: AT, revoked: null }
];

function canOf(role) {
	const admin = role === 'admin';
	return { manageTrackers: admin, manageUsers: admin, manageProfiles: admin, manageKeys: admin, manageAutomation: admin, manageWorkspaces: admin, readJobs: admin, deleteCalls: admin, manageScorecards: admin, manageOAuthApps: admin, manageCrm: admin };
}

/** What the server lists a job's `actions` as: cancel a queued job, retry a failed one, and
 * nothing for kinds whose outcome another record keeps. */
const KEPT_ELSEWHERE = new Set(['erase', 'crm-upload', 'crm-write', 'deliver']);
function actionsOf(kind, state) {
	if (KEPT_ELSEWHERE.has(kind)) return [];
	return state === 'queued' ? ['cancel'] : state === 'failed' ? ['retry'] : [];
}

function jobView(j) {
	return { id: j.id, kind: 'backfill-trackers', callId: null, state: j.state, attempts: j.state === 'queued' ? 0 : 1, maxAttempts: 3, crashes: 0, progress: j.progress, error: null, created: AT, updated: AT, runAfter: AT, finished: j.state === 'done' ? AT : null, worker: j.state === 'queued' ? null : 'worker-1:4242', actions: actionsOf('backfill-trackers', j.state) };
}

function newBackfill() {
	const j = { id: settingsId(), state: 'queued', progress: null, polls: 0 };
	BACKFILLS.set(j.id, j);
	return jobView(j);
}

/** The stub's check of a tracker body: the server's messages for the usual mistakes. */
function trackerProblems(b) {
	const problems = [];
	if (!String(b.trackerName ?? '').trim()) problems.push('trackerName is empty');
	const phrases = (b.languageKeywords ?? []).flatMap((k) => k.keywords ?? []);
	if (!phrases.length) problems.push('tracker has no phrases');
	for (const [i, k] of (b.languageKeywords ?? []).entries()) {
		if (!/^[a-z]{3}$/.test(k.language ?? '')) problems.push(`languageKeywords[${i}].language ${JSON.stringify(k.language)} is not a three-letter lower-case language code`);
	}
	return problems;
}

function trackerWire(id, b, created = AT) {
	return {
		trackerId: id,
		trackerName: b.trackerName.trim(),
		workspaceId: b.workspaceId ?? WS,
		languageKeywords: (b.languageKeywords ?? []).map((k) => ({ language: k.language, keywords: k.keywords ?? [], includeRelatedForms: !!k.includeRelatedForms })),
		affiliation: b.affiliation ?? 'Anyone',
		partOfQuestion: !!b.partOfQuestion,
		saidAt: b.saidAt ?? 'Anytime',
		saidAtInterval: b.saidAt && b.saidAt !== 'Anytime' ? Number(b.saidAtInterval) : null,
		saidAtUnit: b.saidAt && b.saidAt !== 'Anytime' ? b.saidAtUnit : null,
		saidInTopics: b.saidInTopics ?? [],
		saidInCallParts: [],
		filterQuery: '{}',
		created,
		creatorUserId: null,
		updated: AT,
		updaterUserId: null
	};
}

/** A tracker made as POST /parley/v1/trackers would (for the steps that need one to exist). */
export function addTracker(name, keywords) {
	const t = trackerWire(settingsId(), { trackerName: name, languageKeywords: [{ language: 'eng', keywords }] });
	TRACKERS.push(t);
	return t;
}

/** The stub's matcher: whole words, ignoring case, over the first call's lines. */
function previewOf(b) {
	const phrases = (b.languageKeywords ?? []).flatMap((k) => k.keywords ?? []);
	const hits = [];
	for (const [speaker, start, text] of LINES) {
		for (const phrase of phrases) {
			const at = new RegExp(`\\b${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').exec(text);
			if (!at) continue;
			if (b.affiliation === 'Company' && speaker !== '11') continue;
			if (b.affiliation === 'NonCompany' && speaker === '11') continue;
			const party = PARTIES.find((x) => x.speakerId === speaker);
			hits.push({ startMs: start, phrase, speakerName: party?.name ?? null, affiliation: party ? (party.affiliation === 'Internal' ? 'Company' : 'NonCompany') : null, text });
		}
	}
	const calls = hits.length ? [{ id: CALLS[0].id, title: CALLS[0].title, started: CALLS[0].started, hits: hits.length, snippets: hits.slice(0, 5) }] : [];
	return { requestId: rid(), workspaceId: WS, callsScanned: 2, hits: hits.length, calls };
}

async function settingsApi(req, res, url) {
	const method = req.method;
	const p = url.pathname;
	const admin = () => {
		if (SETTINGS.role === 'admin') return true;
		return false;
	};
	if (p === '/parley/v1/session' && method === 'GET') {
		if (!guard(req, res, method, p)) return true;
		const u = USERS[0];
		const body = { requestId: rid(), userId: USER.userId, email: USER.email, name: `${u.firstName} ${u.lastName}`, role: SETTINGS.role, csrfToken: CSRF, expires: new Date(Date.now() + 12 * 3600e3).toISOString(), can: canOf(SETTINGS.role), limits: { maxMediaBytes: STUB_MAX_MEDIA } };
		if (SESSION_LIMITS.publish) sendChecked(res, method, p, 200, body);
		else {
			// A server from before the limit was published: the same answer, checked, without it.
			const problems = checkShape(responseSchema(method, p, 200), body);
			if (problems.length) throw new Error(`stub answer of ${method} ${p} does not fit openapi.json:\n${problems.join('\n')}`);
			delete body.limits;
			send(res, 200, body);
		}
		return true;
	}
	const routes = [
		['GET', /^\/parley\/v1\/trackers$/, '/parley/v1/trackers'],
		['POST', /^\/parley\/v1\/trackers$/, '/parley/v1/trackers'],
		['POST', /^\/parley\/v1\/trackers\/preview$/, '/parley/v1/trackers/preview'],
		['GET', /^\/parley\/v1\/trackers\/backfills\/(\d+)$/, '/parley/v1/trackers/backfills/{job}'],
		['PUT', /^\/parley\/v1\/trackers\/(\d+)$/, '/parley/v1/trackers/{id}'],
		['DELETE', /^\/parley\/v1\/trackers\/(\d+)$/, '/parley/v1/trackers/{id}'],
		['GET', /^\/parley\/v1\/topics$/, '/parley/v1/topics'],
		['PUT', /^\/parley\/v1\/topics$/, '/parley/v1/topics'],
		['GET', /^\/parley\/v1\/automation\/rules$/, '/parley/v1/automation/rules'],
		['GET', /^\/parley\/v1\/automation\/rules\/(\d+)\/deliveries$/, '/parley/v1/automation/rules/{id}/deliveries'],
		['POST', /^\/parley\/v1\/automation\/rules\/(\d+)\/test$/, '/parley/v1/automation/rules/{id}/test'],
		['POST', /^\/parley\/v1\/automation\/rules\/(\d+)\/deliveries\/(\d+)\/replay$/, '/parley/v1/automation/rules/{id}/deliveries/{deliveryId}/replay'],
		['POST', /^\/parley\/v1\/automation\/rules$/, '/parley/v1/automation/rules'],
		['GET', /^\/parley\/v1\/automation\/rules\/(\d+)$/, '/parley/v1/automation/rules/{id}'],
		['PUT', /^\/parley\/v1\/automation\/rules\/(\d+)$/, '/parley/v1/automation/rules/{id}'],
		['DELETE', /^\/parley\/v1\/automation\/rules\/(\d+)$/, '/parley/v1/automation/rules/{id}'],
		['GET', /^\/parley\/v1\/crm\/connectors$/, '/parley/v1/crm/connectors'],
		['POST', /^\/parley\/v1\/workspaces$/, '/parley/v1/workspaces'],
		['GET', /^\/parley\/v1\/users$/, '/parley/v1/users'],
		['PUT', /^\/parley\/v1\/users\/(\d+)\/role$/, '/parley/v1/users/{id}/role'],
		['PUT', /^\/parley\/v1\/users\/(\d+)\/permission-profile$/, '/parley/v1/users/{id}/permission-profile'],
		['DELETE', /^\/parley\/v1\/users\/(\d+)\/permission-profile$/, '/parley/v1/users/{id}/permission-profile'],
		['POST', /^\/parley\/v1\/users\/(\d+)\/reset-link$/, '/parley/v1/users/{id}/reset-link'],
		['GET', /^\/v2\/all-permission-profiles$/, '/v2/all-permission-profiles'],
		['GET', /^\/parley\/v1\/keys$/, '/parley/v1/keys'],
		['POST', /^\/parley\/v1\/keys$/, '/parley/v1/keys'],
		['POST', /^\/parley\/v1\/keys\/([A-Z0-9]+)\/rotate$/, '/parley/v1/keys/{key}/rotate'],
		['DELETE', /^\/parley\/v1\/keys\/([A-Z0-9]+)$/, '/parley/v1/keys/{key}']
	];
	let m;
	const hit = routes.find(([verb, re]) => verb === method && (m = re.exec(p)));
	if (!hit) return false;
	const route = hit[2];
	if (!guard(req, res, method, route)) return true;
	// The server refuses what the role may not do (the page should not even offer it).
	if (!admin() && route !== '/parley/v1/trackers' && !(route === '/parley/v1/topics' && method === 'GET')) {
		gongError(res, method, route, 403, 'this needs the admin role');
		return true;
	}
	const body = method === 'POST' || method === 'PUT' ? await jsonBody(req) : undefined;
	requests.at(-1).body = body;
	const ok = (status, b) => (sendChecked(res, method, route, status, b), true);
	const err = (status, msg) => (gongError(res, method, route, status, msg), true);
	switch (`${method} ${route}`) {
		case 'GET /parley/v1/trackers':
			return ok(200, { requestId: rid(), keywordTrackers: TRACKERS });
		case 'POST /parley/v1/trackers/preview': {
			const problems = trackerProblems(body);
			if (problems.length) return (sendChecked(res, method, route, 400, { requestId: rid(), errors: problems }), true);
			return ok(200, previewOf(body));
		}
		case 'POST /parley/v1/trackers': {
			const problems = trackerProblems(body);
			if (problems.length) return (sendChecked(res, method, route, 400, { requestId: rid(), errors: problems }), true);
			const t = trackerWire(settingsId(), body);
			TRACKERS.push(t);
			return ok(201, { requestId: rid(), tracker: t, job: newBackfill() });
		}
		case 'PUT /parley/v1/trackers/{id}': {
			const i = TRACKERS.findIndex((t) => t.trackerId === m[1]);
			if (i < 0) return err(404, `Tracker ID ${m[1]} was not found`);
			const problems = trackerProblems(body);
			if (problems.length) return (sendChecked(res, method, route, 400, { requestId: rid(), errors: problems }), true);
			TRACKERS[i] = trackerWire(m[1], body, TRACKERS[i].created);
			return ok(200, { requestId: rid(), tracker: TRACKERS[i], job: newBackfill() });
		}
		case 'DELETE /parley/v1/trackers/{id}': {
			const i = TRACKERS.findIndex((t) => t.trackerId === m[1]);
			if (i < 0) return err(404, `Tracker ID ${m[1]} was not found`);
			TRACKERS.splice(i, 1);
			return ok(200, { requestId: rid(), jobs: [newBackfill()] });
		}
		case 'GET /parley/v1/trackers/backfills/{job}': {
			const j = BACKFILLS.get(m[1]);
			if (!j) return err(404, `Back-fill job ${m[1]} was not found`);
			// Queued on the first look, half done on the second, done on the third.
			j.polls++;
			if (j.polls === 2) Object.assign(j, { state: 'running', progress: 0.5 });
			if (j.polls >= 3) Object.assign(j, { state: 'done', progress: 0.99 });
			return ok(200, { requestId: rid(), job: jobView(j) });
		}
		case 'GET /parley/v1/topics': {
			const w = url.searchParams.get('workspaceId') || WS;
			return ok(200, { requestId: rid(), workspaceId: w, isDefault: !STUB_TOPICS.has(w), topics: STUB_TOPICS.get(w) ?? DEFAULT_TOPICS });
		}
		case 'PUT /parley/v1/topics': {
			const w = url.searchParams.get('workspaceId') || WS;
			const problems = [];
			for (const [i, t] of (body.topics ?? []).entries()) {
				if (!String(t.name ?? '').trim()) problems.push(`topics[${i}].name must not be empty`);
				if (!(t.keywords ?? []).some((k) => k.trim())) problems.push(`topics[${i}].keywords must hold at least one keyword`);
			}
			if (problems.length) return (sendChecked(res, method, route, 400, { requestId: rid(), errors: problems }), true);
			STUB_TOPICS.set(w, body.topics);
			const job = { ...newBackfill(), kind: 'analyze-workspace' };
			return ok(200, { requestId: rid(), jobs: [job] });
		}
		case 'GET /parley/v1/automation/rules':
			return ok(200, { requestId: rid(), rules: RULES });
		case 'GET /parley/v1/automation/rules/{id}/deliveries': {
			const list = DELIVERIES.filter((d) => d.ruleId === m[1]).sort((a, b) => b.id.localeCompare(a.id));
			const before = url.searchParams.get('before');
			const from = before ? list.filter((d) => d.id < before) : list;
			const limit = Number(url.searchParams.get('limit') ?? 50);
			// Pages of 2 in the stub, so that "Older deliveries" is needed.
			const page = from.slice(0, Math.min(limit, 2));
			return ok(200, { requestId: rid(), deliveries: page, nextBefore: from.length > page.length ? page.at(-1).id : null });
		}
		case 'POST /parley/v1/automation/rules/{id}/test': {
			const d = delivery(m[1], 'pending', null, true);
			return ok(202, { requestId: rid(), callId: CALLS[0].id, deliveryIds: [d.id] });
		}
		case 'POST /parley/v1/automation/rules/{id}/deliveries/{deliveryId}/replay': {
			const old = DELIVERIES.find((d) => d.id === m[2] && d.ruleId === m[1]);
			if (!old) return err(404, `delivery ${m[2]} not found`);
			const d = delivery(m[1], 'pending', null, false);
			return ok(202, { requestId: rid(), callId: old.callId, deliveryIds: [d.id] });
		}
		case 'POST /parley/v1/automation/rules': {
			const checked = ruleProblems(body, body?.workspaceId ?? WS);
			if (checked.status) return err(checked.status, checked.problems[0]);
			if (checked.problems.length) return (sendChecked(res, method, route, 400, { requestId: rid(), errors: checked.problems }), true);
			const r = ruleView(String(9100000000000000001n + BigInt(RULES.length + DELETED_RULES.length)), body, body.workspaceId ?? WS);
			RULES.push(r);
			return ok(201, { requestId: rid(), rule: r });
		}
		case 'GET /parley/v1/automation/rules/{id}': {
			const r = RULES.find((x) => x.id === m[1]);
			if (!r) return err(404, `automation rule ${m[1]} was not found`);
			return ok(200, { requestId: rid(), rule: r });
		}
		case 'PUT /parley/v1/automation/rules/{id}': {
			const i = RULES.findIndex((x) => x.id === m[1]);
			if (i < 0) return err(404, `automation rule ${m[1]} was not found`);
			const ws = body?.workspaceId ?? RULES[i].workspaceId;
			if (ws !== RULES[i].workspaceId) return err(400, 'workspaceId cannot change; create the rule in the other workspace instead');
			const checked = ruleProblems(body, ws);
			if (checked.status) return err(checked.status, checked.problems[0]);
			if (checked.problems.length) return (sendChecked(res, method, route, 400, { requestId: rid(), errors: checked.problems }), true);
			const old = RULES[i];
			const r = ruleView(old.id, body, ws, old);
			RULES[i] = r;
			return ok(200, { requestId: rid(), rule: r });
		}
		case 'DELETE /parley/v1/automation/rules/{id}': {
			const i = RULES.findIndex((x) => x.id === m[1]);
			if (i < 0) return err(404, `automation rule ${m[1]} was not found`);
			DELETED_RULES.push(...RULES.splice(i, 1));
			return ok(200, { requestId: rid() });
		}
		case 'GET /parley/v1/crm/connectors':
			return ok(200, { requestId: rid(), connectors: CONNECTORS });
		case 'POST /parley/v1/workspaces': {
			if (!String(body.name ?? '').trim()) return err(400, 'name must not be empty');
			NEW_WORKSPACES.push({ name: body.name, description: body.description ?? null, default: !!body.default });
			return ok(201, { requestId: rid(), workspaceId: String(5000000000000000100n + BigInt(NEW_WORKSPACES.length)) });
		}
		case 'GET /parley/v1/users':
			return ok(200, { requestId: rid(), cursor: null, users: SETTINGS_USERS });
		case 'PUT /parley/v1/users/{id}/role': {
			const u = SETTINGS_USERS.find((x) => x.id === m[1]);
			if (!u) return err(404, `user ${m[1]} not found`);
			if (!['admin', 'manager', 'member'].includes(body.role)) return err(400, `role ${JSON.stringify(body.role)} is not one of admin, manager, member`);
			u.role = body.role;
			return ok(200, { requestId: rid(), userId: u.id, role: u.role });
		}
		case 'PUT /parley/v1/users/{id}/permission-profile': {
			const u = SETTINGS_USERS.find((x) => x.id === m[1]);
			if (!u || !PROFILES.some((x) => x.id === body.profileId)) return err(404, 'no such user or profile');
			u.profiles = [{ workspaceId: WS, profileId: body.profileId }];
			return ok(200, { requestId: rid(), userId: u.id, workspaceId: WS, profileId: body.profileId });
		}
		case 'DELETE /parley/v1/users/{id}/permission-profile': {
			const u = SETTINGS_USERS.find((x) => x.id === m[1]);
			if (!u) return err(404, 'no such user');
			u.profiles = [];
			return ok(200, { requestId: rid(), userId: u.id, workspaceId: WS });
		}
		case 'POST /parley/v1/users/{id}/reset-link': {
			const u = SETTINGS_USERS.find((x) => x.id === m[1]);
			if (!u) return err(404, `User ID ${m[1]} was not found`);
			const token = `stub-made-${m[1]}`;
			RESET.made.push(token);
			return sendChecked(res, method, route, 201, {
				requestId: rid(),
				userId: u.id,
				link: `http://${req.headers.host}/reset-password?token=${token}`,
				expires: new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z')
			}), true;
		}
		case 'GET /v2/all-permission-profiles': {
			const w = url.searchParams.get('workspaceId');
			return ok(200, { requestId: rid(), profiles: w === WS ? PROFILES.map(profileWire) : [] });
		}
		case 'GET /parley/v1/keys':
			return ok(200, { requestId: rid(), keys: KEYS });
		case 'POST /parley/v1/keys': {
			if (!String(body.name ?? '').trim()) return err(400, 'name is empty');
			const k = { accessKey: `PK${String(KEYS.length + 1).padStart(22, '0')}`, name: body.name, scopes: body.scopes === 'read-only' ? 'api:calls:read:basic' : 'api:calls:read:basic api:calls:create', preset: body.scopes, workspaceId: body.workspaceId ?? null, ownerUserId: body.ownerUserId ?? null, created: new Date().toISOString(), lastUsed: null, revoked: null };
			KEYS.push(k);
			return ok(201, { requestId: rid(), key: k, secret: `stub-secret-${KEYS.length}` });
		}
		case 'POST /parley/v1/keys/{key}/rotate': {
			const k = KEYS.find((x) => x.accessKey === m[1] && !x.revoked);
			if (!k) return err(404, `no active key ${m[1]}`);
			return ok(200, { requestId: rid(), key: k, secret: `stub-rotated-${m[1].slice(-2)}` });
		}
		case 'DELETE /parley/v1/keys/{key}': {
			const k = KEYS.find((x) => x.accessKey === m[1] && !x.revoked);
			if (!k) return err(404, `no active key ${m[1]}`);
			k.revoked = new Date().toISOString();
			return ok(200, { requestId: rid() });
		}
	}
	return false;
}

// ---- Settings › OAuth apps and CRM connections (ui-oauth-crm) ----
// As the server: apps are listed with their scopes spelled out and never a secret; DELETE
// revokes (the app stays listed); a connector shows which secrets it holds as "<redacted>",
// and a PUT that leaves a secret out keeps the stored one. Validation messages are the
// server's (parley_app::oauth::register_app, parley_app::crm_connectors::check).

const SCOPES = [
	['api:calls:read:basic', true], ['api:calls:read:extensive', true], ['api:calls:read:transcript', true], ['api:calls:create', false],
	['api:workspaces:read', true], ['api:users:read', true], ['api:stats:scorecards', true], ['api:stats:interaction', true],
	['api:settings:scorecards:read', true], ['api:settings:trackers:read', true], ['api:library:read', true],
	['api:meetings:user:create', false], ['api:meetings:user:update', false], ['api:meetings:user:delete', false], ['api:meetings:integration:status', false],
	['api:crm:integrations:read', true], ['api:crm:integration:register', false], ['api:crm:integration:delete', false], ['api:crm:schema', false], ['api:crm:upload', false],
	['api:flows:read', true], ['api:flows:write', false], ['api:logs:read', true], ['api:coaching:read', true],
	['parley:admin:write', false], ['parley:keys:read', true], ['parley:keys:write', false], ['parley:settings:write', false], ['parley:read', true], ['parley:calls:write', false]
];

/** ScopeSet::parse: the scopes named (presets spelled out), in the server's order; or the unknown word. */
function parseScopes(text) {
	const set = new Set();
	for (const w of String(text).split(/[ ,]/).filter(Boolean)) {
		if (w === 'full' || w === 'all') SCOPES.forEach(([s]) => set.add(s));
		else if (w === 'read-only' || w === 'read') SCOPES.filter(([, r]) => r).forEach(([s]) => set.add(s));
		else if (SCOPES.some(([s]) => s === w)) set.add(w);
		else return { unknown: w };
	}
	return { scopes: SCOPES.map(([s]) => s).filter((s) => set.has(s)).join(' ') };
}

export const OAUTH_APPS = [
	{ clientId: 'q8x2mz4k7tn1vb6r3pw9c5hd', name: 'Zapier', redirectUris: ['https://zapier.com/dashboard/auth/oauth/return/App182541CLIAPI/'], scopes: parseScopes('read-only').scopes, ownerUserId: null, created: '2024-03-01T09:00:00+00:00', revoked: null }
];

/** The secrets each connector holds (the stub's stand-in for the sealed column). */
export const CRM_SECRETS = new Map([['9300000000000000001', { clientSecret: 'stub-consumer-secret' }]]);
let crmSeq = 1;

function redirectUriProblem(uri) {
	let u;
	try {
		u = new URL(uri);
	} catch {
		return `redirect uri ${JSON.stringify(uri)} is not an absolute url: relative URL without a base`;
	}
	const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
	if (!(u.protocol === 'https:' || (u.protocol === 'http:' && loopback))) return `redirect uri ${JSON.stringify(uri)} must be https (or http to localhost)`;
	if (uri.includes('#')) return `redirect uri ${JSON.stringify(uri)} must not have a fragment`;
	if (u.username || u.password) return `redirect uri ${JSON.stringify(uri)} must not carry credentials`;
	return null;
}

function urlSetting(name, value, fallback, problems) {
	const v = String(value ?? '').trim() || fallback;
	let u;
	try {
		u = new URL(v);
	} catch {
		problems.push(`${name} is not a url`);
		return '';
	}
	if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`${name} must be an http or https url`);
	else if (u.username || u.password || u.search) problems.push(`${name} must not hold a user name, a password or a query`);
	return v.replace(/\/+$/, '');
}

/** crm_connectors::check: the kind's settings and secrets, or every problem at once. */
function connectorCheck(b) {
	const problems = [];
	const name = String(b.name ?? '').trim();
	if (!name) problems.push('name is required');
	else if ([...name].length > 200) problems.push('name is longer than 200 characters');
	if (!['salesforce', 'hubspot', 'parley'].includes(b.kind)) return { problems: [...problems, 'kind must be one of salesforce, hubspot, parley'] };
	const required = (n) => {
		const v = String(b[n] ?? '').trim();
		if (!v) problems.push(`${n} is required`);
		return v;
	};
	const secrets = {};
	let settings = {};
	if (b.kind === 'salesforce') {
		const loginUrl = urlSetting('loginUrl', b.loginUrl, 'https://login.salesforce.com', problems);
		const instanceUrl = String(b.instanceUrl ?? '').trim() ? urlSetting('instanceUrl', b.instanceUrl, '', problems) : undefined;
		const apiVersion = String(b.apiVersion ?? '').trim() || 'v62.0';
		if (!/^v[0-9]*\.[0-9.]*$/.test(apiVersion)) problems.push('apiVersion must look like v62.0');
		const clientId = required('clientId');
		const auth = b.auth ?? 'client_credentials';
		settings = { loginUrl, instanceUrl, apiVersion, auth, clientId };
		if (auth === 'jwt_bearer') {
			settings.username = required('username');
			const key = required('privateKey');
			if (key && !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(key)) problems.push('privateKey is not an rsa private key in pem');
			secrets.privateKey = key;
			if (String(b.audience ?? '').trim()) settings.audience = b.audience.trim();
		} else secrets.clientSecret = required('clientSecret');
	} else if (b.kind === 'hubspot') {
		settings = { baseUrl: urlSetting('baseUrl', b.baseUrl, 'https://api.hubapi.com', problems) };
		secrets.token = required('token');
	}
	return { problems, name, settings, secrets };
}

/** Keeps a connector's secrets (the stub's sealed column) and shows which it holds. */
function holdSecrets(c, secrets) {
	CRM_SECRETS.set(c.id, secrets);
	c.secrets = Object.fromEntries(Object.keys(secrets).map((n) => [n, '<redacted>']));
	return c;
}

async function oauthCrmApi(req, res, url) {
	const method = req.method;
	const p = url.pathname;
	const routes = [
		['GET', /^\/parley\/v1\/oauth-apps$/, '/parley/v1/oauth-apps', 'manageOAuthApps'],
		['POST', /^\/parley\/v1\/oauth-apps$/, '/parley/v1/oauth-apps', 'manageOAuthApps'],
		['DELETE', /^\/parley\/v1\/oauth-apps\/([^/]+)$/, '/parley/v1/oauth-apps/{client_id}', 'manageOAuthApps'],
		['POST', /^\/parley\/v1\/crm\/connectors$/, '/parley/v1/crm/connectors', 'manageCrm'],
		['GET', /^\/parley\/v1\/crm\/connectors\/([^/]+)$/, '/parley/v1/crm/connectors/{id}', 'manageCrm'],
		['PUT', /^\/parley\/v1\/crm\/connectors\/([^/]+)$/, '/parley/v1/crm/connectors/{id}', 'manageCrm'],
		['DELETE', /^\/parley\/v1\/crm\/connectors\/([^/]+)$/, '/parley/v1/crm/connectors/{id}', 'manageCrm']
	];
	let m;
	const hit = routes.find(([verb, re]) => verb === method && (m = re.exec(p)));
	if (!hit) return false;
	const route = hit[2];
	if (!guard(req, res, method, route)) return true;
	const ok = (status, b) => (sendChecked(res, method, route, status, b), true);
	const err = (status, msg) => (gongError(res, method, route, status, msg), true);
	const invalid = (problems) => (sendChecked(res, method, route, 400, { requestId: rid(), errors: problems }), true);
	if (!canOf(SETTINGS.role)[hit[3]]) return err(403, 'this needs the admin role');
	const body = method === 'POST' || method === 'PUT' ? await jsonBody(req) : undefined;
	// What the log keeps of a body: never a secret.
	requests.at(-1).body = body && Object.fromEntries(Object.entries(body).map(([k, v]) => [k, ['clientSecret', 'privateKey', 'token'].includes(k) && v ? '…' : v]));
	const id = m[1] && decodeURIComponent(m[1]);
	switch (`${method} ${route}`) {
		case 'GET /parley/v1/oauth-apps':
			return ok(200, { requestId: rid(), apps: OAUTH_APPS });
		case 'POST /parley/v1/oauth-apps': {
			const parsed = parseScopes(body.scopes ?? 'read-only');
			if (parsed.unknown) return err(400, `scopes: unknown scope ${JSON.stringify(parsed.unknown)}: use read-only, full, or scopes such as api:calls:read:basic`);
			const problems = [];
			const name = String(body.name ?? '').trim();
			if (!name || [...name].length > 200) problems.push('an app needs a name of 1 to 200 characters');
			const uris = [...new Set(Array.isArray(body.redirectUris) ? body.redirectUris : [])];
			if (!uris.length || uris.length > 10) problems.push('an app needs 1 to 10 redirect uris');
			problems.push(...uris.map(redirectUriProblem).filter(Boolean));
			if (!parsed.scopes) problems.push('an app needs at least one scope (or the preset full or read-only)');
			if (problems.length) return invalid(problems);
			if (body.ownerUserId != null && !SETTINGS_USERS.some((u) => u.id === String(body.ownerUserId))) return err(400, `user ${body.ownerUserId} does not exist`);
			const app = { clientId: `stubapp${String(OAUTH_APPS.length + 1).padStart(17, '0')}`, name, redirectUris: uris, scopes: parsed.scopes, ownerUserId: body.ownerUserId == null ? null : String(body.ownerUserId), created: new Date().toISOString().replace('Z', '+00:00'), revoked: null };
			OAUTH_APPS.push(app);
			return ok(201, { requestId: rid(), app, clientSecret: `stubsecret${OAUTH_APPS.length}Xq7LmP2vR9sT4wY6zA1bC3dE5fG8hJ0kN` });
		}
		case 'DELETE /parley/v1/oauth-apps/{client_id}': {
			const app = OAUTH_APPS.find((a) => a.clientId === id && !a.revoked);
			if (!app) return err(404, `no active oauth app ${id}`);
			app.revoked = new Date().toISOString().replace('Z', '+00:00');
			return ok(200, { requestId: rid() });
		}
		case 'POST /parley/v1/crm/connectors': {
			const checked = connectorCheck(body);
			if (checked.problems.length) return invalid(checked.problems);
			const ws = String(body.workspaceId ?? '').trim() || WS;
			if (!WORKSPACE_IDS.includes(ws)) return err(404, `Workspace ID ${ws} was not found`);
			const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
			const c = { id: String(9300000000000000001n + BigInt(crmSeq++)), workspaceId: ws, name: checked.name, kind: body.kind, settings: checked.settings, secrets: {}, created: now, updated: now };
			CONNECTORS.push(holdSecrets(c, checked.secrets));
			return ok(201, { requestId: rid(), connector: c });
		}
	}
	const i = CONNECTORS.findIndex((c) => c.id === String(id).trim());
	if (i < 0) return err(404, `crm connector ${id} was not found`);
	const old = CONNECTORS[i];
	switch (`${method} ${route}`) {
		case 'GET /parley/v1/crm/connectors/{id}':
			return ok(200, { requestId: rid(), connector: old });
		case 'PUT /parley/v1/crm/connectors/{id}': {
			const kept = CRM_SECRETS.get(old.id) ?? {};
			const filled = { ...body, kind: String(body.kind ?? '').trim() || old.kind };
			for (const n of ['clientSecret', 'privateKey', 'token']) filled[n] = body[n] ?? kept[n];
			const checked = connectorCheck(filled);
			if (checked.problems.length) return invalid(checked.problems);
			if (filled.kind !== old.kind) return err(400, 'kind cannot change: create another connector');
			const c = { ...old, name: checked.name, settings: checked.settings, updated: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
			CONNECTORS[i] = holdSecrets(c, checked.secrets);
			return ok(200, { requestId: rid(), connector: c });
		}
		case 'DELETE /parley/v1/crm/connectors/{id}':
			CONNECTORS.splice(i, 1);
			CRM_SECRETS.delete(old.id);
			return ok(200, { requestId: rid() });
	}
	return false;
}

/** A permission profile as `/v2/all-permission-profiles` lists it (only what the UI reads, and what the schema requires). */
function profileWire(p) {
	return PROFILE_BODIES.get(p.id) ?? { ...sampleOf(spec.components.schemas.PermissionProfile), id: p.id, name: p.name };
}

/** The plainest value a schema allows: its required properties, false, '', null, the first of an enum. */
function sampleOf(schema) {
	schema = deref(schema);
	if (!schema) return null;
	if (schema.oneOf) return sampleOf(schema.oneOf[0]);
	if (schema.enum) return schema.enum[0];
	const types = [].concat(schema.type ?? 'object');
	if (types.includes('null')) return null;
	if (types.includes('object')) return Object.fromEntries((schema.required ?? []).map((k) => [k, sampleOf(schema.properties?.[k])]));
	if (types.includes('array')) return [];
	if (types.includes('boolean')) return false;
	if (types.includes('integer') || types.includes('number')) return 0;
	return '';
}

// ---- admin (web-admin): the first run, deleting a call, the job queue ----

/** `needsAdmin`: GET /parley/v1/setup says so and POST makes the first admin (with `code`). */
export const SETUP = { needsAdmin: false, code: 'stub-setup-code', made: [] };
/** `publish: false` answers the session without `limits` (a server from before they were published). */
export const SESSION_LIMITS = { publish: true };
/** The activity events POST /parley/v1/activity recorded (the call page's listens). */
export const EVENTS = [];
/** Calls deleted through DELETE /parley/v1/calls/{id}: the lists leave them out. */
export const DELETED = new Set();

// ---- GET /parley/v1/calls (the calls list's search) ----

/** What the list knows of each call besides its metadata: who else was on it, whether it
 * has a recording, the trackers that fired (by name: GET /parley/v1/trackers's ids are made
 * by the steps, so a tracker matches a call by its name), the topics discussed and the CRM
 * accounts linked to it. The uploaded calls are not in the list. */
const LISTED = new Map([
	[CALLS[0].id, { parties: ['Dana Buyer', 'cfo@acme.example'], participants: PARTIES.map((x) => [x.name, x.emailAddress]), recording: true, trackers: ['Pricing', 'Competitors'], topics: ['Pricing'], accounts: ['Acme Corp'] }],
	[CALLS[1].id, { parties: ['Hank Scorpio'], participants: [['Grace Hopper', 'grace@example.com'], ['Hank Scorpio', 'hank@globex.example']], recording: false, trackers: ['Pricing'], topics: ['Pricing', 'Next steps'], accounts: ['Globex Corporation'] }],
	[CALLS[2].id, { parties: ['Bill Lumbergh', 'Milton Waddams', 'peter@initech.example'], participants: [['Ada Lovelace', USER.email], ['Bill Lumbergh', 'bill@initech.example'], ['Milton Waddams', 'milton@initech.example'], [null, 'peter@initech.example']], recording: true, trackers: [], topics: ['Next steps'], accounts: ['Initech', 'Initrode'] }],
	[HOUR_CALL.id, { parties: ['Albert Wesker', 'Jill Valentine', 'Chris Redfield'], participants: [['Ada Lovelace', USER.email], ['Albert Wesker', 'wesker@umbrella.example'], ['Jill Valentine', 'jill@umbrella.example'], ['Chris Redfield', 'chris@umbrella.example']], recording: true, trackers: ['Pricing', 'Competitors'], topics: [], accounts: ['Umbrella Corp'] }],
	[VIDEO_CALL.id, { parties: ['Gavin Belson'], participants: [['Ada Lovelace', USER.email], ['Gavin Belson', 'gavin@hooli.example']], recording: true, trackers: [], topics: [], accounts: [] }]
]);

/** The words of a text as the search compares them: runs of letters and digits, lower case. */
const searchWords = (text) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** The transcript's sentences of a call in the list ([start ms, text]), in order. */
function sentencesOf(callId) {
	if (!hasTranscript(callId)) return [];
	if (callId === HOUR_CALL.id) return HOUR_LINES.map(([, start, , words]) => [start, words.map((w) => w.text).join(' ')]);
	return (callId === CALLS[2].id ? LONG : LINES).map(([, start, text]) => [start, text]);
}

/** The first sentence of the call's transcript that says the search as a phrase (its words in
 * that order, the last one as a prefix), as `transcriptMatch`; null when none does. */
function transcriptMatchOf(callId, q) {
	const want = searchWords(q);
	if (!want.length) return null;
	for (const [start, text] of sentencesOf(callId)) {
		const said = searchWords(text);
		for (let i = 0; i + want.length <= said.length; i++) {
			if (want.every((w, k) => (k === want.length - 1 ? said[i + k].startsWith(w) : said[i + k] === w))) return { startMs: start, text };
		}
	}
	return null;
}

/** The user and everyone who reports to them, down the manager tree (`teamOf`). */
function teamMembers(managerId) {
	const team = new Set([managerId]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const u of USERS) if (u.managerId && team.has(u.managerId) && !team.has(u.id)) grew = team.add(u.id);
	}
	return team;
}

/** The list's page is 2 calls whatever `limit` asks (the stub has five calls; paging must show). */
const SEARCH_PAGE = 2;
const SEARCH_DIRECTIONS = ['Inbound', 'Outbound', 'Conference', 'Unknown'];

function filterHash(params) {
	const keys = [...new Set([...params.keys()])].filter((k) => k !== 'cursor' && k !== 'limit').sort();
	let h = 2166136261;
	for (const ch of keys.map((k) => `${k}=${params.getAll(k).join(',')}`).join('&')) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
	return h.toString(16);
}

/** GET /parley/v1/calls as the server answers it: every filter (AND), the sort, cursor
 * paging (an opaque base64 of the last call's key and a hash of the filter). */
export function searchCalls(params) {
	const bad = (message) => ({ status: 400, message });
	const one = (k) => {
		const v = params.get(k);
		return v === null || v === '' ? undefined : v;
	};
	const known = ['fromDateTime', 'toDateTime', 'q', 'primaryUserId', 'teamOf', 'workspaceId', 'direction', 'minDuration', 'maxDuration', 'hasRecording', 'trackerId', 'topic', 'sort', 'limit', 'cursor'];
	for (const k of params.keys()) if (!known.includes(k)) return bad(`${k}: unknown parameter`);
	const instant = (k) => {
		const v = one(k);
		if (v === undefined) return undefined;
		const t = Date.parse(v);
		return Number.isNaN(t) ? NaN : t;
	};
	const from = instant('fromDateTime');
	const to = instant('toDateTime');
	if (Number.isNaN(from)) return bad('fromDateTime: not an ISO 8601 date-time');
	if (Number.isNaN(to)) return bad('toDateTime: not an ISO 8601 date-time');
	const q = one('q');
	if (q !== undefined && [...q].length > 200) return bad(`q: at most 200 characters (got ${[...q].length})`);
	const direction = one('direction');
	if (direction !== undefined && !SEARCH_DIRECTIONS.includes(direction)) return bad(`direction: unknown direction ${direction} (Inbound, Outbound, Conference or Unknown)`);
	const seconds = (k) => {
		const v = one(k);
		if (v === undefined) return undefined;
		return /^\d{1,9}$/.test(v) ? Number(v) : NaN;
	};
	const minDuration = seconds('minDuration');
	const maxDuration = seconds('maxDuration');
	if (Number.isNaN(minDuration)) return bad('minDuration: a whole number of seconds, 0 or more');
	if (Number.isNaN(maxDuration)) return bad('maxDuration: a whole number of seconds, 0 or more');
	const hasRecording = one('hasRecording');
	if (hasRecording !== undefined && hasRecording !== 'true' && hasRecording !== 'false') return bad('hasRecording: true or false');
	const sort = one('sort') ?? 'newest';
	if (!['newest', 'oldest', 'longest', 'shortest'].includes(sort)) return bad('sort: newest, oldest, longest or shortest');
	const teamId = one('teamOf');
	if (teamId !== undefined && !/^[0-9]{1,19}$/.test(teamId)) return bad('teamOf: a user id');
	const limitText = one('limit');
	const limit = limitText === undefined ? 50 : Number(limitText);
	if (!Number.isInteger(limit) || limit < 1 || limit > 100) return bad('limit: 1 to 100');
	const workspaceId = one('workspaceId');
	if (workspaceId !== undefined && !STUB_WORKSPACES.includes(workspaceId)) return { status: 404, message: `Workspace ID ${workspaceId} was not found` };
	const hash = filterHash(params);
	let after;
	const cursor = one('cursor');
	if (cursor !== undefined) {
		let c;
		try {
			c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
		} catch {
			return bad('cursor: not a cursor of this list');
		}
		if (!c || typeof c.k !== 'string' || c.h !== hash) return bad('cursor: it continues another filter; start again from the first page');
		const [duration, started, id] = c.k.split('|');
		after = { duration: Number(duration), started, id };
	}
	const trackerId = one('trackerId');
	const trackerName = trackerId === undefined ? undefined : TRACKERS.find((t) => t.trackerId === trackerId)?.trackerName ?? null;
	const topic = one('topic');
	const primaryUserId = one('primaryUserId');
	const needle = q?.toLowerCase();
	const team = teamId === undefined ? undefined : teamMembers(teamId);
	// The list's order: by start, or by duration with ties newest first; a cursor is the last
	// call's key (duration|started|id) and the next page is what comes after it in that order.
	const key = (c) => `${c.duration}|${c.started}|${c.id}`;
	const newestFirst = (a, b) => (a.started < b.started ? 1 : a.started > b.started ? -1 : b.id.padStart(20, '0').localeCompare(a.id.padStart(20, '0')));
	const order = {
		newest: newestFirst,
		oldest: (a, b) => -newestFirst(a, b),
		longest: (a, b) => b.duration - a.duration || newestFirst(a, b),
		shortest: (a, b) => a.duration - b.duration || newestFirst(a, b)
	}[sort];
	const rows = [...CALLS, HOUR_CALL, VIDEO_CALL]
		.filter((c) => !DELETED.has(c.id))
		.map((c) => ({ c, x: LISTED.get(c.id), hit: needle ? transcriptMatchOf(c.id, q) : null }))
		.filter(({ c, x, hit }) => {
			const t = Date.parse(c.started);
			if (from !== undefined && t < from) return false;
			if (to !== undefined && t >= to) return false;
			if (
				needle &&
				!hit &&
				!(c.title.toLowerCase().includes(needle) ||
					x.participants.some(([n, e]) => n?.toLowerCase().includes(needle) || e?.toLowerCase().includes(needle)) ||
					x.accounts.some((a) => a.toLowerCase().includes(needle)))
			)
				return false;
			if (primaryUserId !== undefined && c.primaryUserId !== primaryUserId) return false;
			if (team !== undefined && !team.has(c.primaryUserId)) return false;
			if (workspaceId !== undefined && c.workspaceId !== workspaceId) return false;
			if (direction !== undefined && c.direction !== direction) return false;
			if (minDuration !== undefined && c.duration < minDuration) return false;
			if (maxDuration !== undefined && c.duration > maxDuration) return false;
			if (hasRecording !== undefined && x.recording !== (hasRecording === 'true')) return false;
			if (trackerId !== undefined && (trackerName === null || !x.trackers.includes(trackerName))) return false;
			if (topic !== undefined && !x.topics.includes(topic)) return false;
			return true;
		})
		.sort((a, b) => order(a.c, b.c));
	const rest = after === undefined ? rows : rows.filter(({ c }) => order(c, after) > 0);
	const size = Math.min(limit, SEARCH_PAGE);
	const slice = rest.slice(0, size);
	const nextCursor = rest.length > size ? Buffer.from(JSON.stringify({ k: key(slice.at(-1).c), h: hash })).toString('base64url') : null;
	const calls = slice.map(({ c, x, hit }) => {
		const host = USERS.find((u) => u.id === c.primaryUserId);
		return {
			id: c.id,
			title: c.title,
			started: c.started,
			duration: c.duration,
			direction: c.direction,
			workspaceId: c.workspaceId,
			primaryUserId: c.primaryUserId,
			primaryUserName: host ? `${host.firstName} ${host.lastName}` : null,
			hasRecording: x.recording,
			externalParties: x.parties.slice(0, 5),
			accounts: x.accounts,
			transcriptMatch: hit
		};
	});
	return { status: 200, calls, nextCursor };
}
/** `fail`: GET /parley/v1/jobs answers 429 (the server's rate limit); `many`: 200 jobs (the API's most).
 * `changed`: what POST …/cancel did to a job (id → fields); `added`: the jobs POST …/retry queued. */
export const JOBS_STUB = { fail: false, many: false, changed: new Map(), added: [] };

/** `empty`: no worker seen in the last day (as under `parley serve --no-workers`); `down`: only
 * the stopped and silent ones (none working); `fail`: 429. */
export const WORKERS_STUB = { empty: false, down: false, fail: false };

const STUB_STARTED = Date.now();

/** Workers seen in the last day, latest started first (as the server lists them): started
 * relative to when the stub started (a worker's start does not move), last seen to now. */
function stubWorkers(now = Date.now()) {
	if (WORKERS_STUB.empty) return [];
	const ago = (s) => new Date(now - s * 1000).toISOString();
	const since = (s) => new Date(STUB_STARTED - s * 1000).toISOString();
	const every = ['transcribe', 'analyze', 'fetch-media', 'backfill-trackers', 'analyze-workspace', 'erase', 'delete-media', 'deliver', 'crm-write'];
	const all = [
		{ name: 'host-a:4242', version: '0.3.0', kinds: every, speechModel: 'whisper-base', transcriptionSlots: 2, started: since(600), lastSeen: ago(4), state: 'alive', running: 1, done: 42, failed: 3 },
		// No speech model: the field is left out, as the server does.
		{ name: 'analysis-box-with-a-long-host-name.internal.example.com:977', version: '0.3.0', kinds: ['analyze', 'deliver'], transcriptionSlots: 0, started: since(1200), lastSeen: ago(9), state: 'alive', running: 0, done: 7, failed: 0 },
		{ name: 'host-c:311', version: '0.2.9', kinds: ['transcribe'], speechModel: 'whisper-small', transcriptionSlots: 1, started: since(3600), lastSeen: ago(240), state: 'silent', running: 1, done: 5, failed: 1 },
		{ name: 'host-a:4100', version: '0.2.9', kinds: every, speechModel: null, transcriptionSlots: 0, started: since(3 * 3600), lastSeen: ago(3600 + 120), state: 'stopped', running: 0, done: 118, failed: 2 }
	];
	return WORKERS_STUB.down ? all.filter((w) => w.state !== 'alive') : all;
}

/** Reset links (`parley users reset-link`): `good` works once, then is used; `used` is used already. */
export const RESET = { good: 'stub-reset-token-7f3a9c', used: new Set(['stub-used-token']), done: [], made: [] };

/** The queue's newest jobs, times relative to now (so "5 min ago" reads the same every run). */
function stubJobs(now = Date.now()) {
	const ago = (min) => new Date(now - min * 60e3).toISOString().replace(/\.\d+Z$/, 'Z');
	const job = (id, kind, callId, state, extra = {}) => {
		const j = {
			id: String(id), kind, callId, state, attempts: state === 'queued' ? 0 : 1, maxAttempts: 3, crashes: 0, progress: null, error: null,
			created: ago(id), updated: ago(id), runAfter: ago(id), finished: state === 'done' || state === 'failed' ? ago(id - 0.5) : null, ...extra,
			...JOBS_STUB.changed.get(String(id))
		};
		return { ...j, actions: actionsOf(j.kind, j.state) };
	};
	if (JOBS_STUB.many) return Array.from({ length: 200 }, (_, i) => job(300 - i, i % 2 ? 'analyze' : 'transcribe', CALLS[0].id, i < 3 ? 'queued' : 'done'));
	return [
		...JOBS_STUB.added.map((a) => job(a.id, a.kind, a.callId, 'queued', { created: a.created, updated: a.created, runAfter: a.created })),
		job(1, 'transcribe', CALLS[0].id, 'running', { progress: 0.42, attempts: 1 }),
		job(2, 'analyze', CALLS[2].id, 'queued', { attempts: 1, error: 'the analysis model did not answer in time', runAfter: new Date(now + 4 * 60e3).toISOString().replace(/\.\d+Z$/, 'Z') }),
		job(3, 'erase', null, 'queued'),
		job(4, 'transcribe', CALLS[1].id, 'failed', { attempts: 3, crashes: 1, error: 'the speech engine exited with signal 9' }),
		job(5, 'deliver', CALLS[0].id, 'done'),
		job(6, 'backfill-trackers', null, 'done', { progress: 1 }),
		job(7, 'reindex-search', null, 'done')
	];
}

async function adminApi(req, res, url) {
	const method = req.method;
	const p = url.pathname;
	const ok = (route, status, b, headers) => (sendChecked(res, method, route, status, b, headers), true);
	const err = (route, status, msg) => (gongError(res, method, route, status, msg), true);
	if (p === '/parley/v1/setup' && method === 'GET') return ok(p, 200, { requestId: rid(), needsAdmin: SETUP.needsAdmin });
	if (p === '/parley/v1/setup' && method === 'POST') {
		const body = await jsonBody(req);
		requests.at(-1).body = { ...body, password: body.password ? '…' : body.password };
		if (!SETUP.needsAdmin) return err(p, 409, 'an administrator can already sign in; sign in instead');
		if (String(body.setupCode ?? '').trim() !== SETUP.code) return err(p, 403, 'the set-up code is wrong');
		if (!String(body.firstName ?? '').trim()) return err(p, 400, 'firstName is empty');
		if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(body.email ?? ''))) return err(p, 400, `email ${JSON.stringify(body.email ?? '')} is not an email address`);
		if (String(body.password ?? '').length < 12) return err(p, 400, 'password must be at least 12 characters');
		SETUP.needsAdmin = false;
		SETUP.made.push({ email: body.email, firstName: body.firstName, lastName: body.lastName });
		// The stub has one identity: the new admin is signed in as it.
		return ok(p, 201, { requestId: rid(), userId: USER.userId, csrfToken: CSRF, expires: new Date(Date.now() + 12 * 3600e3).toISOString() }, {
			'set-cookie': `parley_session=${SESSION_TOKEN}; Path=/; HttpOnly; SameSite=Strict`
		});
	}
	let m = /^\/parley\/v1\/calls\/(\d+)$/.exec(p);
	if (m && method === 'DELETE') {
		const route = '/parley/v1/calls/{id}';
		if (!guard(req, res, method, route)) return true;
		if (!canOf(SETTINGS.role).deleteCalls) return err(route, 403, 'deleting calls needs the admin role or a permission profile with deleteCalls');
		const listed = CALLS.find((c) => c.id === m[1] && !DELETED.has(c.id));
		const made = UPLOADED.find((c) => c.id === m[1] && !c.deleted);
		if (!listed && !made) return err(route, 404, `call ${m[1]} not found`);
		if (listed) DELETED.add(listed.id);
		if (made) made.deleted = true;
		return ok(route, 200, { requestId: rid(), callId: m[1], recordingDeleted: listed ? listed.id !== CALLS[2].id : !!made.media });
	}
	if (p === '/parley/v1/jobs' && method === 'GET') {
		if (!guard(req, res, method, p)) return true;
		if (!canOf(SETTINGS.role).readJobs) return err(p, 403, 'the job queue needs the admin role');
		if (JOBS_STUB.fail) return err(p, 429, 'too many requests; slow down');
		const state = url.searchParams.get('state');
		if (state !== null && !['queued', 'running', 'done', 'failed'].includes(state)) return err(p, 400, 'state must be one of queued, running, done, failed');
		return ok(p, 200, { requestId: rid(), jobs: stubJobs().filter((j) => !state || j.state === state) });
	}
	if (p === '/parley/v1/activity' && method === 'POST') {
		if (!guard(req, res, method, p)) return true;
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		if (!['listen', 'share-internal', 'comment', 'scorecard'].includes(body.kind)) return err(p, 400, `kind: ${JSON.stringify(body.kind)} is not one of listen, comment, …`);
		// As the server: people record what they did themselves.
		if (SETTINGS.role !== 'admin' && String(body.userId) !== USER.userId) return err(p, 403, 'userId must be your own: only admins record activity for other users');
		EVENTS.push(body);
		return ok(p, 201, { requestId: rid(), eventId: String(EVENTS.length) });
	}
	m = /^\/parley\/v1\/jobs\/([^/]+)\/(cancel|retry)$/.exec(p);
	if (m && method === 'POST') {
		const route = `/parley/v1/jobs/{id}/${m[2]}`;
		if (!guard(req, res, method, route)) return true;
		if (!canOf(SETTINGS.role).readJobs) return err(route, 403, 'managing jobs needs the admin role');
		const j = stubJobs().find((x) => x.id === m[1]);
		if (!j) return err(route, 404, `job ${m[1]} was not found`);
		if (KEPT_ELSEWHERE.has(j.kind)) return err(route, 409, `${j.kind} jobs cannot be ${m[2] === 'cancel' ? 'cancelled' : 'run again'} here`);
		if (m[2] === 'cancel') {
			if (j.state !== 'queued') return err(route, 409, `job ${j.id} is ${j.state}: only a queued job can be cancelled`);
			const changed = { state: 'failed', error: 'cancelled by user 1', finished: new Date().toISOString() };
			JOBS_STUB.changed.set(j.id, changed);
			return ok(route, 200, { requestId: rid(), job: { ...j, ...changed, actions: actionsOf(j.kind, 'failed') } });
		}
		if (j.state !== 'failed') return err(route, 409, `job ${j.id} is ${j.state}: only a failed job can be run again`);
		const live = JOBS_STUB.added.find((a) => a.kind === j.kind && a.callId === j.callId);
		const a = live ?? { id: String(900 + JOBS_STUB.added.length), kind: j.kind, callId: j.callId, created: new Date().toISOString() };
		if (!live) JOBS_STUB.added.push(a);
		return ok(route, 200, { requestId: rid(), job: stubJobs().find((x) => x.id === a.id) });
	}
	if (p === '/parley/v1/password-reset' && method === 'POST') {
		// No session needed (the route's `security: [{}]`). As the server: the password is
		// judged first (a refused one does not use the link up), then the token is taken.
		const body = await jsonBody(req);
		requests.at(-1).body = { ...body, password: typeof body.password === 'string' ? `${body.password.length} characters` : body.password };
		const { token, password } = body;
		if (typeof token !== 'string' || typeof password !== 'string') return err(p, 400, 'the body needs token and password, both strings');
		if ([...password].length < 12 || [...password].length > 256) return err(p, 400, 'a password needs 12 to 256 characters');
		if (token !== RESET.good || RESET.used.has(token)) return err(p, 403, 'the reset link is unknown, used or expired');
		RESET.used.add(token);
		RESET.done.push(USER.userId);
		return ok(p, 200, { requestId: rid(), userId: USER.userId });
	}
	if (p === '/parley/v1/workers' && method === 'GET') {
		if (!guard(req, res, method, p)) return true;
		if (!canOf(SETTINGS.role).readJobs) return err(p, 403, 'the job queue needs the admin role');
		if (WORKERS_STUB.fail) return err(p, 429, 'too many requests; slow down');
		return ok(p, 200, { requestId: rid(), reportEverySeconds: 15, workers: stubWorkers() });
	}
	return false;
}

// ---- Settings › Permission profiles (ui-profiles) ----
// The whole profile of each of PROFILES (which keeps the names the Users page offers), as the
// server renders it; who has one comes from SETTINGS_USERS. POST and PUT check a little like
// the server (crates/gong-api-v2/src/profiles.rs parse_patch, parley-domain's validate).

const PROFILE_AREAS = [
	['callsAccess', 'calls'],
	['dealsAccess', 'deals'],
	['forecastAccess', 'forecast'],
	['forecastEditSubmissions', 'forecast_edit_submissions'],
	['forecastEditTargets', 'forecast_edit_targets'],
	['coachingAccess', 'coaching'],
	['insightsAccess', 'insights'],
	['usageAccess', 'usage'],
	['emailsAccess', 'emails']
];
const FORECAST_AREAS = new Set(['forecastAccess', 'forecastEditSubmissions', 'forecastEditTargets']);
const ACCESS_LEVELS = ['all', 'managers-team', 'report-to-them', 'own', 'none'];
const LIBRARY_LEVELS = ['none', 'all', 'specific-folders'];
const LIBRARY_RIGHTS = ['managePublicFolder', 'manageStreams', 'manageFolderCalls', 'shareFoldersAndStreams'];
const PROFILE_CAPABILITIES = Object.entries(spec.components.schemas.PermissionProfile.properties)
	.filter(([, v]) => v.type === 'boolean')
	.map(([k]) => k);
/** The changes POST/PUT /v2/permission-profile were sent, in order (for the smoke test). */
export const PROFILE_CHANGES = [];

/** A profile as the server renders it: `access` maps an area field to [level, team leads]. */
function renderProfile(id, name, description, { access = {}, library = ['none', []], rights = [], capabilities = [] } = {}) {
	const area = (k) => {
		const [level, leads] = access[k] ?? ['none', []];
		return { permissionLevel: level, teamLeadIds: leads.length ? leads : null };
	};
	const p = { id, name, description, callsAccess: area('callsAccess') };
	p.libraryFolderAccess = { permissionLevel: library[0], libraryFolderIds: library[1].length ? library[1] : null, ...Object.fromEntries(LIBRARY_RIGHTS.map((r) => [r, rights.includes(r)])) };
	p.dealsAccess = area('dealsAccess');
	p.forecastPermissions = { forecastAccess: area('forecastAccess'), forecastEditSubmissions: area('forecastEditSubmissions'), forecastEditTargets: area('forecastEditTargets') };
	for (const [k] of PROFILE_AREAS) if (!FORECAST_AREAS.has(k) && !(k in p)) p[k] = area(k);
	for (const c of PROFILE_CAPABILITIES) p[c] = capabilities.includes(c);
	p.orchestrateCreateAndManagePlays = null;
	return p;
}

const PROFILE_BODIES = new Map();
PROFILES.push({ id: '8000000000000000003', name: 'Sales manager' });
for (const [id, description, shape] of [
	[
		'8000000000000000001',
		'Revenue operations: every call, deal and forecast; they run the library and export data',
		{
			access: { callsAccess: ['all', []], dealsAccess: ['all', []], forecastAccess: ['all', []], forecastEditTargets: ['all', []], coachingAccess: ['report-to-them', []], insightsAccess: ['all', []], usageAccess: ['all', []] },
			library: ['all', []],
			rights: ['managePublicFolder', 'manageFolderCalls'],
			capabilities: ['callsAndSearch', 'library', 'deals', 'account', 'activity', 'teamStats', 'forecast', 'forecastManage', 'downloadCallMedia', 'exportCallsAndCoachingDataToCSV', 'dealsDataExport', 'crmDataImport', 'viewRevenueAnalytics']
		}
	],
	[
		'8000000000000000002',
		'Listen-only access for enablement and legal review: the Win/Loss folder and their own calls',
		{ access: { callsAccess: ['own', []] }, library: ['specific-folders', [FOLDERS[0].id]], capabilities: ['callsAndSearch', 'library'] }
	],
	[
		'8000000000000000003',
		"First-line managers: their team's calls, deals and coaching; they score calls",
		{
			access: { callsAccess: ['managers-team', [USERS[1].id]], dealsAccess: ['report-to-them', []], forecastAccess: ['report-to-them', []], forecastEditSubmissions: ['report-to-them', []], coachingAccess: ['report-to-them', []], emailsAccess: ['own', []] },
			library: ['all', []],
			rights: ['manageFolderCalls', 'shareFoldersAndStreams'],
			capabilities: ['callsAndSearch', 'library', 'deals', 'coaching', 'teamStats', 'forecast', 'scoreCalls', 'overrideScore', 'downloadCallMedia', 'trimCalls', 'listenInCalls']
		}
	]
]) {
	const named = PROFILES.find((x) => x.id === id);
	PROFILE_BODIES.set(id, renderProfile(id, named.name, description, shape));
}

/** The server's reading of a profile body over `old` (a blank one when creating): the
 * changed profile, or its problems. */
function patchProfile(old, body) {
	if (!body || typeof body !== 'object' || Array.isArray(body)) return { problems: ['the body must be a permission profile object'] };
	const problems = [];
	const p = structuredClone(old);
	if (body.name != null) {
		if (typeof body.name === 'string') p.name = body.name;
		else problems.push('name must be a string');
	}
	if (body.description !== undefined) {
		if (body.description === null || typeof body.description === 'string') p.description = body.description;
		else problems.push('description must be a string');
	}
	const ids = (v, path) => {
		if (v == null) return null;
		if (!Array.isArray(v) || v.some((i) => !/^[0-9]{1,19}$/.test(String(i)))) {
			problems.push(`${path} must be a list of numeric ids`);
			return null;
		}
		return v.length ? v.map(String) : null;
	};
	for (const [k] of PROFILE_AREAS) {
		const forecast = FORECAST_AREAS.has(k);
		const v = forecast ? body.forecastPermissions?.[k] : body[k];
		const path = forecast ? `forecastPermissions.${k}` : k;
		if (v == null) continue;
		if (typeof v !== 'object') {
			problems.push(`${path} must be an object with permissionLevel and teamLeadIds`);
			continue;
		}
		const level = v.permissionLevel ?? 'none';
		if (!ACCESS_LEVELS.includes(level)) {
			problems.push(`${path}.permissionLevel must be one of all, managers-team, report-to-them, own, none`);
			continue;
		}
		const a = { permissionLevel: level, teamLeadIds: ids(v.teamLeadIds, `${path}.teamLeadIds`) };
		if (forecast) p.forecastPermissions[k] = a;
		else p[k] = a;
	}
	const lib = body.libraryFolderAccess;
	if (lib != null) {
		const level = lib.permissionLevel ?? 'none';
		if (!LIBRARY_LEVELS.includes(level)) problems.push('libraryFolderAccess.permissionLevel must be one of none, all, specific-folders');
		else p.libraryFolderAccess = { permissionLevel: level, libraryFolderIds: ids(lib.libraryFolderIds, 'libraryFolderAccess.libraryFolderIds'), ...Object.fromEntries(LIBRARY_RIGHTS.map((r) => [r, lib[r] === true])) };
	}
	for (const c of PROFILE_CAPABILITIES) {
		if (body[c] == null) continue;
		if (typeof body[c] === 'boolean') p[c] = body[c];
		else problems.push(`${c} must be true or false`);
	}
	if (problems.length) return { problems };
	// The profile's own rules (PermissionProfile::validate), the first broken one.
	if (!p.name) return { problems: ['a permission profile needs a name'] };
	if ([...p.name].length > 256) return { problems: ['a permission profile name has at most 256 characters'] };
	for (const [k, key] of PROFILE_AREAS) {
		const a = FORECAST_AREAS.has(k) ? p.forecastPermissions[k] : p[k];
		if (a.permissionLevel === 'managers-team' && !a.teamLeadIds) return { problems: [`${key} access at the managers-team level names at least one team lead`] };
		const unknown = (a.teamLeadIds ?? []).filter((u) => !USERS.some((x) => x.id === u));
		if (unknown.length) return { problems: unknown.map((u) => `user ${u} named as a team lead was not found`) };
	}
	const l = p.libraryFolderAccess;
	if (l.permissionLevel === 'none' && LIBRARY_RIGHTS.some((r) => l[r])) return { problems: ['library permissions need library access other than none'] };
	if (l.permissionLevel === 'specific-folders' && !l.libraryFolderIds) return { problems: ['library access to specific folders names at least one folder'] };
	return { profile: p };
}

async function profilesApi(req, res, url) {
	const method = req.method;
	const route = url.pathname;
	if (route !== '/v2/permission-profile' && route !== '/v2/permission-profile/users') return false;
	if (!['GET', 'POST', 'PUT'].includes(method) || (route.endsWith('/users') && method !== 'GET')) return false;
	if (!guard(req, res, method, route)) return true;
	const ok = (status, b) => (sendChecked(res, method, route, status, b), true);
	const err = (status, msg) => (gongError(res, method, route, status, msg), true);
	if (!canOf(SETTINGS.role).manageProfiles) return err(403, 'managing permission profiles needs the admin role');
	const q = (name) => {
		const v = url.searchParams.get(name);
		return v && /^[0-9]{1,19}$/.test(v) ? v : undefined;
	};
	if (route === '/v2/permission-profile/users') {
		const id = q('profileId');
		if (!id || !PROFILE_BODIES.has(id)) return err(400, 'Bad request');
		const users = SETTINGS_USERS.filter((u) => u.profiles.some((x) => x.profileId === id)).map((u) => ({ id: u.id, fullName: `${u.firstName} ${u.lastName}`.trim(), emailAddress: u.email }));
		return ok(200, { requestId: rid(), users });
	}
	if (method === 'POST') {
		const w = q('workspaceId');
		if (!w) return err(400, 'workspaceId is required');
		if (!WORKSPACE_IDS.includes(w)) return err(404, `workspace ${w} was not found`);
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		const made = patchProfile(renderProfile(String(8000000000000000100n + BigInt(PROFILE_BODIES.size)), '', null), body);
		if (made.problems) return (sendChecked(res, method, route, 400, { requestId: rid(), errors: made.problems }), true);
		// The stub's other workspaces have no profiles to list: new ones join the first's.
		PROFILES.push({ id: made.profile.id, name: made.profile.name });
		PROFILE_BODIES.set(made.profile.id, made.profile);
		PROFILE_CHANGES.push({ method, workspaceId: w, body });
		return ok(200, { requestId: rid(), profile: made.profile });
	}
	const id = q('profileId');
	if (!id) return err(400, 'profileId is required');
	const old = PROFILE_BODIES.get(id);
	if (!old) return err(404, `permission profile ${id} was not found`);
	if (method === 'GET') return ok(200, { requestId: rid(), profile: old });
	const body = await jsonBody(req);
	requests.at(-1).body = body;
	const changed = patchProfile(old, body);
	if (changed.problems) return (sendChecked(res, method, route, 400, { requestId: rid(), errors: changed.problems }), true);
	PROFILE_BODIES.set(id, changed.profile);
	PROFILES.find((x) => x.id === id).name = changed.profile.name;
	PROFILE_CHANGES.push({ method, profileId: id, body });
	return ok(200, { requestId: rid(), profile: changed.profile });
}

// ---- team averages, sharing a call outside the company (ui-share-averages) ----
// Answers checked against openapi.json, as the server's routes give them (tokens are 64 hex
// digits, as the server makes them).

/** The team's mean interaction stats the stub gives for any period from 2024 on. */
export const TEAM_AVERAGES = {
	users: 4,
	calls: 37,
	interactionStats: [
		{ name: 'Talk Ratio', value: 0.46 },
		{ name: 'Longest Monologue', value: 71.3 },
		{ name: 'Longest Customer Story', value: 48.2 },
		{ name: 'Interactivity', value: 7.26 },
		{ name: 'Patience', value: 1.05 },
		{ name: 'Question Rate', value: 11.8 }
	]
};
/** The links made through POST /parley/v1/calls/{id}/shares: `{ token, share }`, oldest first. */
export const SHARES = [];
let shareSeq = 0;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const stamp = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The shared view of a call, as GET /parley/v1/shared/{token} gives it. */
function sharedView(share, token) {
	const c = [...CALLS, HOUR_CALL].find((x) => x.id === share.callId);
	const transcript = hasTranscript(c.id) ? transcriptOf(c.id).transcript : [];
	const voices = [...new Set(transcript.map((m) => m.speakerId))];
	let n = 0;
	const speakers = voices.map((speakerId) => {
		const party = PARTIES.find((x) => x.speakerId === speakerId);
		const name = party?.name ?? party?.emailAddress;
		return name ? { speakerId, name, affiliation: party.affiliation } : { speakerId, name: `Speaker ${++n}`, affiliation: 'Unknown' };
	});
	return {
		requestId: rid(), title: c.title, started: c.started, duration: c.duration, expires: share.expires, speakers, transcript,
		mediaUrl: c.id === CALLS[2].id ? null : `/parley/v1/shared/${token}/media`
	};
}

/** A link that opens: made, not revoked, not expired. */
function liveShare(token) {
	const s = SHARES.find((x) => x.token === token)?.share;
	return s && !s.revoked && Date.parse(s.expires) > Date.now() ? s : undefined;
}

async function shareApi(req, res, url) {
	const method = req.method;
	const p = url.pathname;
	if (p === '/parley/v1/stats/interaction/averages' && method === 'GET') {
		if (!guard(req, res, method, p)) return true;
		if (forbidden.has(p)) return (sendChecked(res, method, p, 403, { requestId: rid(), errors: ['your permission profile does not allow reading stats'] }), true);
		const fromDate = url.searchParams.get('fromDate') ?? '';
		const toDate = url.searchParams.get('toDate') ?? '';
		const bad = (m) => (sendChecked(res, method, p, 400, { requestId: rid(), errors: [m] }), true);
		if (!DAY.test(fromDate) || Number.isNaN(Date.parse(fromDate))) return bad('fromDate: expected a date, YYYY-MM-DD');
		if (!DAY.test(toDate) || Number.isNaN(Date.parse(toDate))) return bad('toDate: expected a date, YYYY-MM-DD');
		const days = (Date.parse(toDate) - Date.parse(fromDate)) / 86400e3;
		if (days <= 0) return bad('toDate must be after fromDate');
		if (days > 366) return bad('the period is at most 366 days');
		// Before 2024 the stub has no calls: the empty answer.
		const empty = toDate <= '2024-01-01';
		sendChecked(res, method, p, 200, {
			requestId: rid(), fromDateTime: `${fromDate}T00:00:00Z`, toDateTime: `${toDate}T00:00:00Z`,
			...(empty ? { users: 0, calls: 0, interactionStats: [] } : TEAM_AVERAGES)
		});
		return true;
	}
	let m = /^\/parley\/v1\/calls\/(\d+)\/shares$/.exec(p);
	if (m && (method === 'GET' || method === 'POST')) {
		const route = '/parley/v1/calls/{id}/shares';
		if (!guard(req, res, method, route)) return true;
		const body = method === 'POST' ? await jsonBody(req) : undefined;
		if (body) requests.at(-1).body = body;
		if (forbidden.has(route)) return (sendChecked(res, method, route, 403, { requestId: rid(), errors: ['your permission profile does not allow sharing calls'] }), true);
		if (![...CALLS, HOUR_CALL].some((c) => c.id === m[1]) || DELETED.has(m[1])) return (sendChecked(res, method, route, 404, { requestId: rid(), errors: [`call ${m[1]} not found`] }), true);
		if (method === 'GET') {
			const shares = SHARES.filter((x) => x.share.callId === m[1]).map((x) => x.share).reverse();
			return (sendChecked(res, method, route, 200, { requestId: rid(), shares }), true);
		}
		const days = body.expiresInDays ?? 30;
		if (!Number.isInteger(days) || days < 1 || days > 365) return (sendChecked(res, method, route, 400, { requestId: rid(), errors: ['expiresInDays: a link lasts 1 to 365 days'] }), true);
		if (body.recipient != null && (typeof body.recipient !== 'string' || [...body.recipient].length > 254)) {
			return (sendChecked(res, method, route, 400, { requestId: rid(), errors: ['recipient: at most 254 characters'] }), true);
		}
		const now = Date.now();
		const token = randomBytes(32).toString('hex');
		const share = {
			id: String(9400000000000000001n + BigInt(shareSeq++)), callId: m[1], recipient: body.recipient?.trim() || null, createdBy: USER.userId,
			created: stamp(now), expires: stamp(now + days * 86400e3), revoked: null, views: 0, lastViewed: null
		};
		SHARES.push({ token, share });
		sendChecked(res, method, route, 201, { requestId: rid(), share, url: `http://${req.headers.host}/shared/${token}` });
		return true;
	}
	m = /^\/parley\/v1\/calls\/(\d+)\/shares\/(\d+)$/.exec(p);
	if (m && method === 'DELETE') {
		const route = '/parley/v1/calls/{id}/shares/{share}';
		if (!guard(req, res, method, route)) return true;
		if (forbidden.has(route)) return (sendChecked(res, method, route, 403, { requestId: rid(), errors: ['your permission profile does not allow sharing calls'] }), true);
		const s = SHARES.find((x) => x.share.callId === m[1] && x.share.id === m[2])?.share;
		if (!s) return (sendChecked(res, method, route, 404, { requestId: rid(), errors: [`link ${m[2]} not found on call ${m[1]}`] }), true);
		s.revoked ??= stamp(Date.now());
		sendChecked(res, method, route, 200, { requestId: rid(), share: s });
		return true;
	}
	// The customer's side: no session, no CSRF token; the token is the credential.
	m = /^\/parley\/v1\/shared\/([A-Za-z0-9_-]+)$/.exec(p);
	if (m && method === 'GET') {
		const s = liveShare(m[1]);
		if (!s) return (sendChecked(res, method, '/parley/v1/shared/{token}', 404, { requestId: rid(), errors: ['this link has expired, was revoked, or does not exist'] }), true);
		s.views += 1;
		s.lastViewed = stamp(Date.now());
		sendChecked(res, method, '/parley/v1/shared/{token}', 200, sharedView(s, m[1]));
		return true;
	}
	m = /^\/parley\/v1\/shared\/([A-Za-z0-9_-]+)\/media$/.exec(p);
	if (m && (method === 'GET' || method === 'HEAD')) {
		const s = liveShare(m[1]);
		if (!s || s.callId === CALLS[2].id) return (sendChecked(res, method, '/parley/v1/shared/{token}/media', 404, { requestId: rid(), errors: ['this link has expired, was revoked, or does not exist'] }), true);
		const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
		if (s.callId === HOUR_CALL.id) return (silentHour(res, range), true);
		const size = WAV.length;
		const start = range ? Number(range[1]) : 0;
		const end = range ? Math.min(range[2] ? Number(range[2]) : size - 1, size - 1) : size - 1;
		if (start >= size) return (res.writeHead(416, { 'content-range': `bytes */${size}` }), res.end(), true);
		const headers = { 'content-type': 'audio/wav', 'content-length': end - start + 1, 'accept-ranges': 'bytes', 'cache-control': 'no-store' };
		res.writeHead(range ? 206 : 200, range ? { ...headers, 'content-range': `bytes ${start}-${end}/${size}` } : headers);
		res.end(method === 'HEAD' ? undefined : WAV.subarray(start, end + 1));
		return true;
	}
	return false;
}

// ---- library management (ui-library): /parley/v1/library/folders ----
// The server's rules (parley_app::library) for a user without a permission profile: a
// private folder is seen and changed by its creator and admins; everyone sees public
// folders; managers (and admins) manage public folders, file calls in them and make
// folders public or private. `forbidden` holding a route makes it refuse anyway.

const isAdmin = () => SETTINGS.role === 'admin';
const isManager = () => SETTINGS.role === 'admin' || SETTINGS.role === 'manager';
const mayManageFolder = (f) => isAdmin() || f.createdBy === USER.userId || (f.public && isManager());
/** The folders the signed-in user sees: each one and every folder above it open to them. */
function visibleFolders() {
	const open = (f) => isAdmin() || f.createdBy === USER.userId || f.public;
	return FOLDERS.filter((f) => {
		for (let cur = f, n = 0; cur && n < 20; cur = FOLDERS.find((x) => x.id === cur.parentFolderId), n++) if (!open(cur)) return false;
		return true;
	});
}
let folderSeq = 100;
const nowIso = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

async function libraryApi(req, res, url) {
	const method = req.method;
	const p = url.pathname;
	const err = (route, status, message) => (gongError(res, method, route, status, message), true);
	const notFound = (route, id) => err(route, 404, `Folder ID ${id} was not found`);
	const mayNotChange = (route, f) => err(route, 403, `folder ${f.id} is changed only by its creator${f.public ? ', those who manage public folders (managers, or by their permission profile) and admins' : ' and admins'}`);
	const mayNotPublish = (route) => err(route, 403, 'only managers and admins make public folders (or make them private), or users whose permission profile lets them manage public folders');
	const nameProblem = (name) => (typeof name !== 'string' || !name.trim() ? 'a folder needs a name' : name.trim().length > 100 ? 'a folder name has at most 100 characters' : undefined);
	const view = (f) => ({ ...f, mayManage: mayManageFolder(f), mayFileCalls: mayManageFolder(f) });

	if (p === '/parley/v1/library/folders' && method === 'GET') {
		if (!guard(req, res, method, p)) return true;
		if (forbidden.has(p)) return err(p, 403, 'your permission profile does not allow the library');
		const ws = url.searchParams.get('workspaceId');
		if (ws && !['5000000000000000001', '5000000000000000002'].includes(ws)) return err(p, 404, `workspace ${ws} not found`);
		const folders = visibleFolders().filter((f) => !ws || f.workspaceId === ws);
		sendChecked(res, method, p, 200, { requestId: rid(), folders: folders.map(view) });
		return true;
	}
	if (p === '/parley/v1/library/folders' && method === 'POST') {
		if (!guard(req, res, method, p)) return true;
		const body = await jsonBody(req);
		requests.at(-1).body = body;
		const problem = nameProblem(body.name);
		if (problem) return err(p, 400, problem);
		if (body.public && !isManager()) return mayNotPublish(p);
		let workspaceId = body.workspaceId ?? '5000000000000000001';
		if (body.parentFolderId) {
			const parent = visibleFolders().find((f) => f.id === body.parentFolderId);
			if (!parent) return notFound(p, body.parentFolderId);
			if (!mayManageFolder(parent)) return mayNotChange(p, parent);
			workspaceId = parent.workspaceId;
		}
		const at = nowIso();
		const folder = { id: String(6100000000000000000n + BigInt(++folderSeq)), workspaceId, name: body.name.trim(), parentFolderId: body.parentFolderId ?? null, public: !!body.public, createdBy: USER.userId, created: at, updated: at };
		FOLDERS.push(folder);
		sendChecked(res, method, p, 201, { requestId: rid(), folder });
		return true;
	}
	let m = /^\/parley\/v1\/library\/folders\/([^/]+)$/.exec(p);
	if (m && (method === 'PATCH' || method === 'DELETE')) {
		const route = '/parley/v1/library/folders/{id}';
		if (!guard(req, res, method, route)) return true;
		const f = visibleFolders().find((x) => x.id === m[1]);
		const body = method === 'PATCH' ? await jsonBody(req) : undefined;
		requests.at(-1).body = body;
		if (!f) return notFound(route, m[1]);
		if (forbidden.has(route) || !mayManageFolder(f)) return mayNotChange(route, f);
		if (method === 'PATCH') {
			if (body.name != null && nameProblem(body.name)) return err(route, 400, nameProblem(body.name));
			if (body.public != null && body.public !== f.public && !isManager()) return mayNotPublish(route);
			if (body.name != null) f.name = body.name.trim();
			if (body.public != null) f.public = body.public;
			f.updated = nowIso();
			sendChecked(res, method, route, 200, { requestId: rid(), folder: f });
			return true;
		}
		// Sub-folders go too: refused (409) when one of them is not the caller's to delete.
		const gone = [f.id];
		for (let i = 0; i < gone.length; i++) for (const x of FOLDERS) if (x.parentFolderId === gone[i] && !gone.includes(x.id)) gone.push(x.id);
		if (gone.some((id) => !mayManageFolder(FOLDERS.find((x) => x.id === id)))) return err(route, 409, `folder ${f.id} holds folders you cannot delete`);
		for (const id of gone) FOLDERS.splice(FOLDERS.findIndex((x) => x.id === id), 1);
		sendChecked(res, method, route, 200, { requestId: rid() });
		return true;
	}
	m = /^\/parley\/v1\/library\/folders\/([^/]+)\/calls\/([^/]+)$/.exec(p);
	if (m && method === 'DELETE') {
		const route = '/parley/v1/library/folders/{id}/calls/{item}';
		if (!guard(req, res, method, route)) return true;
		const f = visibleFolders().find((x) => x.id === m[1]);
		if (!f) return notFound(route, m[1]);
		if (forbidden.has(route) || !mayManageFolder(f))
			return err(route, 403, `calls are filed in folder ${f.id} only by its creator${f.public ? ', those who manage the calls of public folders (managers, or by their permission profile) and admins' : ' and admins'}`);
		if (!folderCalls(f.id).some((c) => c.itemId === m[2])) return err(route, 404, `item ${m[2]} is not in folder ${f.id}`);
		LIBRARY_REMOVED.add(m[2]);
		sendChecked(res, method, route, 200, { requestId: rid() });
		return true;
	}
	return false;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const server = await start(Number(process.env.PORT ?? 4173));
	console.log(`stub Parley on http://127.0.0.1:${server.address().port} (${USER.email} / ${USER.password})`);
}
