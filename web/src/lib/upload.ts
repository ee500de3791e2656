// The Upload page's pure parts: a file's row (its form and where its upload is), the
// `POST /v2/calls` body built from it, what the call's jobs say about transcription, and
// the back-off of the watch that follows. No DOM, no fetch: the page does the I/O.

import type { components } from './api/schema';

export type NewCallRequest = components['schemas']['NewCallRequest'];
export type JobView = components['schemas']['JobView'];

export const DIRECTIONS = ['Outbound', 'Inbound', 'Conference', 'Unknown'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** At most this many files in the list at once: the browser uploads them one by one, and
 * a drop of a whole folder should not fill the page with hundreds of rows. */
export const MAX_FILES = 50;

const MEDIA_EXT = /\.(wav|wave|mp3|m4a|aac|ogg|oga|opus|flac|wma|amr|webm|mp4|m4v|mov|mkv|avi|wmv|3gp|mpeg|mpg)$/i;

/** Audio or video by its type, or (browsers leave the type empty for some) its extension. */
export function isMediaFile(f: { name: string; type: string }): boolean {
	return /^(audio|video)\//.test(f.type) || MEDIA_EXT.test(f.name);
}

/** "2024-03-04_acme-discovery.call.mp3" → "2024-03-04 acme discovery.call". */
export function titleFromFileName(name: string): string {
	const base = name.replace(/^.*[\\/]/, '').replace(/\.[A-Za-z0-9]{1,5}$/, '');
	const t = base.replace(/[_]+/g, ' ').replace(/(\D)-+|-+(\D)/g, '$1 $2').replace(/\s+/g, ' ').trim();
	return (t || 'Uploaded recording').slice(0, 200);
}

export function formatBytes(n: number): string {
	if (n < 1024) return `${n} B`;
	const units = ['KB', 'MB', 'GB', 'TB'];
	let v = n / 1024;
	let i = 0;
	while (v >= 1024 && i < units.length - 1) {
		v /= 1024;
		i++;
	}
	return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** The media size limit to hold files to: the one the session publishes
 * (`GET /parley/v1/session`'s `limits.maxMediaBytes`), else one a 413 taught (a server
 * that does not publish it yet). */
export function mediaLimit(published: number | undefined, learned: number | undefined): number | undefined {
	if (typeof published === 'number' && Number.isFinite(published) && published > 0) return published;
	return learned;
}

/** The sentence above the list about the limit. */
export function limitNote(limit: number | undefined): string {
	return limit
		? `This server accepts files up to ${formatBytes(limit)}; larger ones are not sent.`
		: "The server's size limit is not known yet (it says it when a file is too large).";
}

/** The server's limit, from its 413 message ("mediaFile is larger than the N byte limit"),
 * for a server whose session does not publish it. */
export function limitFromMessages(messages: string[]): number | undefined {
	for (const m of messages) {
		const x = /larger than the (\d+) byte limit/.exec(m);
		if (x) return Number(x[1]);
	}
	return undefined;
}

/** `<input type="datetime-local">`'s value for a time, in the browser's zone. */
export function localInputValue(ms: number): string {
	const d = new Date(ms);
	const p = (n: number) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// ---- a file's row ----

export interface Party {
	name: string;
	email: string;
}

export interface UploadForm {
	repId: string;
	title: string;
	/** datetime-local value (the browser's zone). */
	start: string;
	direction: Direction;
	/** People outside the company; at least one with a name or an email. */
	external: Party[];
}

/** Where processing is, from the call's jobs. */
export type Processing = 'queued' | 'transcribing' | 'analysing' | 'done' | 'failed';

export type Phase =
	| { kind: 'ready' }
	/** Refused before anything was sent (size, type): cannot be uploaded as it is. */
	| { kind: 'refused'; message: string }
	| { kind: 'creating' }
	| { kind: 'uploading'; loaded: number; total: number }
	| { kind: 'error'; messages: string[]; requestId?: string }
	| { kind: 'cancelled' }
	/** The call made for it (which has no recording) was deleted: nothing more to do. */
	| { kind: 'deleted' }
	| { kind: 'watching'; processing: Processing; progress?: number; error?: string; gaveUp?: boolean };

export interface Item {
	key: string;
	fileName: string;
	size: number;
	form: UploadForm;
	/** Sent as `clientUniqueId`: a retried create answers with the call made the first time. */
	clientUniqueId: string;
	/** Set once `POST /v2/calls` answered: a retry then only uploads the media again. */
	callId?: string;
	phase: Phase;
}

export type Event =
	| { type: 'create' }
	| { type: 'created'; callId: string }
	| { type: 'progress'; loaded: number; total: number }
	| { type: 'uploaded' }
	| { type: 'failed'; messages: string[]; requestId?: string }
	| { type: 'cancelled' }
	| { type: 'deleted' }
	| { type: 'status'; processing: Processing; progress?: number; error?: string }
	| { type: 'gave-up' };

/** May this row be (re)sent? */
export function canStart(i: Item): boolean {
	return i.phase.kind === 'ready' || i.phase.kind === 'error' || i.phase.kind === 'cancelled';
}

/** Is there a call without a recording to delete? (Its upload was cancelled or failed.) */
export function canDeleteCall(i: Item): boolean {
	return !!i.callId && (i.phase.kind === 'cancelled' || i.phase.kind === 'error' || i.phase.kind === 'refused');
}

export function isBusy(i: Item): boolean {
	return i.phase.kind === 'creating' || i.phase.kind === 'uploading';
}

/** The row after an event; an event that does not fit the row's phase leaves it as it is
 * (a late progress event after a cancel, a status after a failure). */
export function step(i: Item, e: Event): Item {
	const k = i.phase.kind;
	switch (e.type) {
		case 'create':
			return canStart(i) ? { ...i, phase: i.callId ? { kind: 'uploading', loaded: 0, total: i.size } : { kind: 'creating' } } : i;
		case 'created':
			return k === 'creating' ? { ...i, callId: e.callId, phase: { kind: 'uploading', loaded: 0, total: i.size } } : i;
		case 'progress':
			return k === 'uploading' ? { ...i, phase: { kind: 'uploading', loaded: Math.min(e.loaded, e.total), total: e.total } } : i;
		case 'uploaded':
			return k === 'uploading' ? { ...i, phase: { kind: 'watching', processing: 'queued' } } : i;
		case 'failed':
			return isBusy(i) ? { ...i, phase: { kind: 'error', messages: e.messages, requestId: e.requestId } } : i;
		case 'cancelled':
			return isBusy(i) ? { ...i, phase: { kind: 'cancelled' } } : i;
		case 'deleted':
			return canDeleteCall(i) ? { ...i, phase: { kind: 'deleted' } } : i;
		case 'status':
			return k === 'watching' ? { ...i, phase: { kind: 'watching', processing: e.processing, progress: e.progress, error: e.error } } : i;
		case 'gave-up':
			return i.phase.kind === 'watching' ? { ...i, phase: { ...i.phase, gaveUp: true } } : i;
	}
}

let seq = 0;

/** A new row for a file, refused at once when it cannot be sent. */
export function newItem(
	file: { name: string; size: number; type: string; lastModified: number },
	defaults: { repId: string; now?: number; limit?: number },
	uid: () => string = () => globalThis.crypto.randomUUID()
): Item {
	const item: Item = {
		key: `f${++seq}`,
		fileName: file.name,
		size: file.size,
		clientUniqueId: `parley-ui-${uid()}`,
		form: {
			repId: defaults.repId,
			title: titleFromFileName(file.name),
			// A recording's file is usually written when the call ends: a better guess than now.
			start: localInputValue(file.lastModified || defaults.now || Date.now()),
			direction: 'Outbound',
			external: [{ name: '', email: '' }]
		},
		phase: { kind: 'ready' }
	};
	const refusal = refuse(file, defaults.limit);
	return refusal ? { ...item, phase: { kind: 'refused', message: refusal } } : item;
}

/** Why a file cannot be sent, or undefined. */
export function refuse(file: { name: string; size: number; type: string }, limit?: number): string | undefined {
	if (!isMediaFile(file)) return `${file.name} is not an audio or video file.`;
	if (file.size === 0) return `${file.name} is empty.`;
	if (limit !== undefined && file.size > limit) {
		return `${file.name} is ${formatBytes(file.size)}, over this server's limit of ${formatBytes(limit)}; it was not sent.`;
	}
	return undefined;
}

/** Rows not sent yet whose file is now known to be over the limit become refused; the row
 * whose 413 taught the limit (`except`) keeps the server's own message. */
export function applyLimit(items: Item[], limit: number, except?: string): Item[] {
	return items.map((i) => {
		if (i.key === except || !canStart(i)) return i;
		const message = refuse({ name: i.fileName, size: i.size, type: 'audio/x' }, limit);
		return message ? { ...i, phase: { kind: 'refused', message } } : i;
	});
}

// ---- the request ----

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What is wrong with a row's form, in words, field by field (empty when it can be sent). */
export function validate(f: UploadForm): { field: string; message: string }[] {
	const out: { field: string; message: string }[] = [];
	if (!f.repId) out.push({ field: 'rep', message: 'Choose the rep who hosted the call.' });
	if (!f.title.trim()) out.push({ field: 'title', message: 'Give the call a title.' });
	if (!f.start || Number.isNaN(new Date(f.start).getTime())) out.push({ field: 'start', message: 'Give the date and time the call started.' });
	const named = f.external.filter((p) => p.name.trim() || p.email.trim());
	if (!named.length) out.push({ field: 'party0', message: 'Add at least one person from outside the company (a name or an email).' });
	f.external.forEach((p, n) => {
		if (p.email.trim() && !EMAIL.test(p.email.trim())) out.push({ field: `party${n}`, message: `${p.email.trim()} is not an email address.` });
	});
	return out;
}

export interface Rep {
	id: string;
	name?: string;
	emailAddress?: string;
}

/** `POST /v2/calls`'s body: the rep as the primary user and first party, then the others. */
export function buildNewCall(item: Pick<Item, 'form' | 'clientUniqueId'>, rep: Rep | undefined): NewCallRequest {
	const f = item.form;
	const parties: NewCallRequest['parties'] = [
		{ userId: f.repId, name: rep?.name || null, emailAddress: rep?.emailAddress || null },
		...f.external
			.map((p) => ({ name: p.name.trim(), email: p.email.trim() }))
			.filter((p) => p.name || p.email)
			.map((p) => ({ name: p.name || null, emailAddress: p.email || null }))
	];
	return {
		clientUniqueId: item.clientUniqueId,
		actualStart: new Date(f.start).toISOString(),
		title: f.title.trim(),
		direction: f.direction,
		primaryUser: f.repId,
		parties
	};
}

// ---- watching the call ----

/**
 * Where the call is, from its jobs (`GET /parley/v1/calls/{id}/jobs`): the newest
 * transcription decides until it is done, then the newest analysis. A failed job is
 * final (the queue retries before it says failed).
 */
export function processingOf(jobs: JobView[]): { processing: Processing; progress?: number; error?: string } {
	const newest = (kind: string) =>
		jobs
			.filter((j) => j.kind === kind)
			.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : Number(b.id) - Number(a.id)))[0];
	const t = newest('transcribe');
	if (!t) return { processing: 'queued' };
	if (t.state === 'failed') return { processing: 'failed', error: t.error ?? undefined };
	if (t.state === 'queued') return { processing: 'queued' };
	if (t.state === 'running') return { processing: 'transcribing', progress: t.progress ?? undefined };
	const a = newest('analyze');
	if (!a || a.state === 'done') return { processing: 'done' };
	if (a.state === 'failed') return { processing: 'failed', error: a.error ?? undefined };
	return { processing: 'analysing' };
}

export function isFinal(p: Processing): boolean {
	return p === 'done' || p === 'failed';
}

export interface Backoff {
	firstMs: number;
	factor: number;
	maxMs: number;
	/** Stop after this long in all (the page says so and links to the call). */
	totalMs: number;
}

/** Long enough for a short call on a busy CPU; a long one is followed on its call page. */
export const WATCH: Backoff = { firstMs: 2000, factor: 1.5, maxMs: 30000, totalMs: 30 * 60 * 1000 };

/** The wait before poll number `n` (0-based), or undefined once `elapsedMs` is past the bound. */
export function nextDelay(n: number, elapsedMs: number, b: Backoff = WATCH): number | undefined {
	const d = Math.min(b.maxMs, Math.round(b.firstMs * Math.pow(b.factor, n)));
	if (elapsedMs + d > b.totalMs) return undefined;
	return d;
}

export const PROCESSING_LABEL: Record<Processing, string> = {
	queued: 'Queued for transcription',
	transcribing: 'Transcribing',
	analysing: 'Analysing',
	done: 'Done',
	failed: 'Failed'
};
