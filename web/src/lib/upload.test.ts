import { describe, expect, it } from 'vitest';
import {
	applyLimit,
	buildNewCall,
	canDeleteCall,
	canStart,
	formatBytes,
	isMediaFile,
	limitFromMessages,
	limitNote,
	mediaLimit,
	newItem,
	nextDelay,
	processingOf,
	refuse,
	step,
	titleFromFileName,
	validate,
	WATCH,
	type Item,
	type JobView
} from './upload';

const file = (name: string, size = 1000, type = 'audio/wav') => ({ name, size, type, lastModified: Date.UTC(2024, 2, 4, 15, 0) });
const uid = () => 'u1';

describe('title from the file name', () => {
	it('drops the extension and turns separators into spaces', () => {
		expect(titleFromFileName('acme_discovery-call.mp3')).toBe('acme discovery call');
		expect(titleFromFileName('C:\\rec\\Globex  pricing.WAV')).toBe('Globex pricing');
		expect(titleFromFileName('/tmp/q3.review.call.m4a')).toBe('q3.review.call');
	});
	it('keeps dates whole and falls back when nothing is left', () => {
		expect(titleFromFileName('2024-03-04_acme.wav')).toBe('2024-03-04 acme');
		expect(titleFromFileName('.wav')).toBe('Uploaded recording');
		expect(titleFromFileName('x'.repeat(300) + '.mp3')).toHaveLength(200);
	});
});

describe('what may be sent', () => {
	it('knows audio and video by type or extension', () => {
		expect(isMediaFile({ name: 'a.bin', type: 'video/mp4' })).toBe(true);
		expect(isMediaFile({ name: 'a.opus', type: '' })).toBe(true);
		expect(isMediaFile({ name: 'notes.txt', type: 'text/plain' })).toBe(false);
	});
	it('refuses empty, non-media and too large files, naming the limit', () => {
		expect(refuse(file('a.wav', 0))).toMatch(/empty/);
		expect(refuse(file('a.txt', 10, 'text/plain'))).toMatch(/not an audio or video/);
		expect(refuse(file('a.wav', 3 * 1024 * 1024), 1024 * 1024)).toBe("a.wav is 3.0 MB, over this server's limit of 1.0 MB; it was not sent.");
		expect(refuse(file('a.wav', 1024 * 1024), 1024 * 1024)).toBeUndefined();
	});
	it("reads the limit from the server's 413 message", () => {
		expect(limitFromMessages(['mediaFile is larger than the 1048576 byte limit'])).toBe(1048576);
		expect(limitFromMessages(['something else'])).toBeUndefined();
	});
	it('refuses rows that a newly learnt limit rules out, but not ones already sent', () => {
		const a = newItem(file('a.wav', 5000), { repId: '1' }, uid);
		const b = newItem(file('b.wav', 500), { repId: '1' }, uid);
		const c: Item = { ...newItem(file('c.wav', 5000), { repId: '1' }, uid), phase: { kind: 'watching', processing: 'queued' } };
		const d = newItem(file('d.wav', 5000), { repId: '1' }, uid);
		const out = applyLimit([a, b, c, d], 1000, d.key);
		expect(out.map((i) => i.phase.kind)).toEqual(['refused', 'ready', 'watching', 'ready']);
	});
	it("holds files to the session's published limit, the 413's only when there is none", () => {
		expect(mediaLimit(41943040, 1000)).toBe(41943040);
		expect(mediaLimit(undefined, 1000)).toBe(1000);
		expect(mediaLimit(0, 1000)).toBe(1000);
		expect(mediaLimit(undefined, undefined)).toBeUndefined();
		expect(limitNote(41943040)).toBe('This server accepts files up to 40.0 MB; larger ones are not sent.');
		expect(limitNote(undefined)).toMatch(/not known yet/);
		const big = newItem(file('big.wav', 5000), { repId: '1', limit: mediaLimit(1000, undefined) }, uid);
		expect(big.phase).toEqual({ kind: 'refused', message: "big.wav is 4.9 KB, over this server's limit of 1000 B; it was not sent." });
	});
	it('formats sizes', () => {
		expect(formatBytes(512)).toBe('512 B');
		expect(formatBytes(1536)).toBe('1.5 KB');
		expect(formatBytes(1536 * 1024 * 1024)).toBe('1.5 GB');
	});
});

describe('a row, step by step', () => {
	const base = () => newItem(file('acme.wav', 1000), { repId: '7' }, uid);
	it('goes ready → creating → uploading → watching → done', () => {
		let i = base();
		expect(i.clientUniqueId).toBe('parley-ui-u1');
		expect(i.form.title).toBe('acme');
		i = step(i, { type: 'create' });
		expect(i.phase).toEqual({ kind: 'creating' });
		expect(canStart(i)).toBe(false);
		i = step(i, { type: 'created', callId: '42' });
		expect(i.phase).toEqual({ kind: 'uploading', loaded: 0, total: 1000 });
		i = step(i, { type: 'progress', loaded: 400, total: 1000 });
		expect(i.phase).toEqual({ kind: 'uploading', loaded: 400, total: 1000 });
		i = step(i, { type: 'uploaded' });
		expect(i.phase).toEqual({ kind: 'watching', processing: 'queued' });
		i = step(i, { type: 'status', processing: 'transcribing', progress: 0.5 });
		i = step(i, { type: 'status', processing: 'done' });
		expect(i.phase).toMatchObject({ kind: 'watching', processing: 'done' });
		expect(i.callId).toBe('42');
	});
	it('a retry after a failed upload only uploads again, to the same call', () => {
		let i = step(step(base(), { type: 'create' }), { type: 'created', callId: '42' });
		i = step(i, { type: 'failed', messages: ['mediaFile: not audio'], requestId: 'r1' });
		expect(i.phase).toEqual({ kind: 'error', messages: ['mediaFile: not audio'], requestId: 'r1' });
		expect(canStart(i)).toBe(true);
		i = step(i, { type: 'create' });
		expect(i.phase.kind).toBe('uploading');
		expect(i.callId).toBe('42');
	});
	it('ignores events that do not fit: progress after a cancel, a second create', () => {
		let i = step(step(base(), { type: 'create' }), { type: 'created', callId: '42' });
		i = step(i, { type: 'cancelled' });
		expect(i.phase).toEqual({ kind: 'cancelled' });
		expect(step(i, { type: 'progress', loaded: 1, total: 2 })).toBe(i);
		expect(step(i, { type: 'uploaded' })).toBe(i);
		const creating = step(base(), { type: 'create' });
		expect(step(creating, { type: 'create' })).toBe(creating);
		const refused = newItem(file('a.txt', 3, 'text/plain'), { repId: '7' }, uid);
		expect(refused.phase.kind).toBe('refused');
		expect(step(refused, { type: 'create' })).toBe(refused);
	});
	it('offers to delete a call left without a recording, and then nothing more', () => {
		const made = step(step(base(), { type: 'create' }), { type: 'created', callId: '42' });
		expect(canDeleteCall(made)).toBe(false);
		const cancelled = step(made, { type: 'cancelled' });
		expect(canDeleteCall(cancelled)).toBe(true);
		expect(canDeleteCall(step(made, { type: 'failed', messages: ['x'] }))).toBe(true);
		const notMade = step(step(base(), { type: 'create' }), { type: 'cancelled' });
		expect(canDeleteCall(notMade)).toBe(false);
		expect(step(notMade, { type: 'deleted' })).toBe(notMade);
		const deleted = step(cancelled, { type: 'deleted' });
		expect(deleted.phase).toEqual({ kind: 'deleted' });
		expect(canStart(deleted)).toBe(false);
		expect(canDeleteCall(deleted)).toBe(false);
		expect(step(deleted, { type: 'create' })).toBe(deleted);
		const watching = step(made, { type: 'uploaded' });
		expect(step(watching, { type: 'deleted' })).toBe(watching);
	});
	it('marks a watch that gave up, keeping its state', () => {
		let i = step(step(step(base(), { type: 'create' }), { type: 'created', callId: '1' }), { type: 'uploaded' });
		i = step(i, { type: 'gave-up' });
		expect(i.phase).toEqual({ kind: 'watching', processing: 'queued', gaveUp: true });
	});
});

describe('the request', () => {
	const item = () => {
		const i = newItem(file('acme.wav'), { repId: '1000000000000000001' }, uid);
		i.form.start = '2024-03-04T16:00';
		i.form.direction = 'Inbound';
		i.form.title = '  Acme discovery ';
		i.form.external = [{ name: 'Dana Buyer', email: ' dana@acme.example ' }, { name: '', email: '' }, { name: '', email: 'cfo@acme.example' }];
		return i;
	};
	it('puts the rep first as the primary user, then the named people', () => {
		const body = buildNewCall(item(), { id: '1000000000000000001', name: 'Ada Lovelace', emailAddress: 'ada@example.com' });
		expect(body).toEqual({
			clientUniqueId: 'parley-ui-u1',
			actualStart: new Date('2024-03-04T16:00').toISOString(),
			title: 'Acme discovery',
			direction: 'Inbound',
			primaryUser: '1000000000000000001',
			parties: [
				{ userId: '1000000000000000001', name: 'Ada Lovelace', emailAddress: 'ada@example.com' },
				{ name: 'Dana Buyer', emailAddress: 'dana@acme.example' },
				{ name: null, emailAddress: 'cfo@acme.example' }
			]
		});
	});
	it('says what is missing, field by field', () => {
		const i = item();
		expect(validate(i.form)).toEqual([]);
		i.form.repId = '';
		i.form.title = ' ';
		i.form.start = '';
		i.form.external = [{ name: '', email: '' }];
		expect(validate(i.form).map((e) => e.field)).toEqual(['rep', 'title', 'start', 'party0']);
		i.form.external = [{ name: 'X', email: 'not-an-email' }];
		expect(validate(i.form).at(-1)).toEqual({ field: 'party0', message: 'not-an-email is not an email address.' });
	});
});

const job = (over: Partial<JobView>): JobView => ({
	id: '1',
	kind: 'transcribe',
	state: 'queued',
	attempts: 0,
	maxAttempts: 3,
	crashes: 0,
	created: '2024-03-04T10:00:00Z',
	updated: '2024-03-04T10:00:00Z',
	runAfter: '2024-03-04T10:00:00Z',
	actions: [],
	...over
});

describe('processing from the jobs', () => {
	it('follows transcription, then analysis', () => {
		expect(processingOf([])).toEqual({ processing: 'queued' });
		expect(processingOf([job({})])).toEqual({ processing: 'queued' });
		expect(processingOf([job({ state: 'running', progress: 0.25 })])).toEqual({ processing: 'transcribing', progress: 0.25 });
		expect(processingOf([job({ state: 'done' })])).toEqual({ processing: 'done' });
		expect(processingOf([job({ state: 'done' }), job({ id: '2', kind: 'analyze', state: 'running' })])).toEqual({ processing: 'analysing' });
		expect(processingOf([job({ state: 'done' }), job({ id: '2', kind: 'analyze', state: 'done' })])).toEqual({ processing: 'done' });
	});
	it('fails with the job error; the newest transcription decides', () => {
		expect(processingOf([job({ state: 'failed', error: 'no speech' })])).toEqual({ processing: 'failed', error: 'no speech' });
		const old = job({ state: 'failed', error: 'old' });
		const retry = job({ id: '9', state: 'running', created: '2024-03-04T11:00:00Z' });
		expect(processingOf([old, retry]).processing).toBe('transcribing');
	});
});

describe('watch back-off', () => {
	it('grows by the factor up to the cap', () => {
		const d = [0, 1, 2, 3, 10].map((n) => nextDelay(n, 0));
		expect(d).toEqual([2000, 3000, 4500, 6750, 30000]);
	});
	it('stops at the bound', () => {
		expect(nextDelay(0, WATCH.totalMs - 2000)).toBe(2000);
		expect(nextDelay(0, WATCH.totalMs - 1999)).toBeUndefined();
		let elapsed = 0;
		let polls = 0;
		for (let n = 0; ; n++) {
			const d = nextDelay(n, elapsed);
			if (d === undefined) break;
			elapsed += d;
			polls++;
		}
		expect(elapsed).toBeLessThanOrEqual(WATCH.totalMs);
		expect(polls).toBeLessThan(80);
	});
});
