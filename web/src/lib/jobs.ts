// Settings › Jobs: the job queue (`GET /parley/v1/jobs`) in words: what a job does, how
// many are in each state, the state filter ↔ the URL, attempts and crashes, and times
// relative to now. No DOM, no fetch: the component does the I/O.

import type { components } from './api/schema';

export type JobView = components['schemas']['JobView'];

export const JOB_STATES = ['queued', 'running', 'failed', 'done'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** The API answers at most this many jobs, newest first. */
export const JOBS_LIMIT = 200;

/** How often the page asks again while it is visible. */
export const REFRESH_MS = 5000;

const KINDS: Record<string, string> = {
	transcribe: 'Transcription',
	analyze: 'Analysis',
	'fetch-media': 'Media download',
	'backfill-trackers': 'Tracker back-fill',
	'analyze-workspace': 'Workspace re-analysis',
	erase: 'Erasure',
	'delete-media': 'Recording deletion',
	deliver: 'Webhook delivery',
	'crm-write': 'CRM write'
};

/** "Transcription" for `transcribe`; a kind this page does not know is shown as it comes. */
export function kindLabel(kind: string): string {
	return Object.hasOwn(KINDS, kind) ? KINDS[kind]! : kind;
}

export const STATE_LABEL: Record<JobState, string> = {
	queued: 'Queued',
	running: 'Running',
	failed: 'Failed',
	done: 'Done'
};

/** The filter `?state=` names, or undefined (all) for nothing or anything else. */
export function stateFilter(param: string | null | undefined): JobState | undefined {
	return (JOB_STATES as readonly string[]).includes(param ?? '') ? (param as JobState) : undefined;
}

/** The Jobs section's URL with that filter (none: every state). */
export function jobsHref(state: JobState | undefined): string {
	return `/settings?section=jobs${state ? `&state=${state}` : ''}`;
}

/** How many of the listed jobs are in each state (a state the page does not know is left out). */
export function countByState(jobs: Pick<JobView, 'state'>[]): Record<JobState, number> {
	const out: Record<JobState, number> = { queued: 0, running: 0, failed: 0, done: 0 };
	for (const j of jobs) if (stateFilter(j.state)) out[j.state as JobState]++;
	return out;
}

/** "of the 200 newest" when the listing is cut at the API's limit, else "". */
export function listingScope(count: number): string {
	return count >= JOBS_LIMIT ? `of the ${JOBS_LIMIT} newest` : '';
}

/** "2 of 5". */
export function attemptsText(j: Pick<JobView, 'attempts' | 'maxAttempts'>): string {
	return `${j.attempts} of ${j.maxAttempts}`;
}

/** "the speech engine died 1 time", or "" when it never did. */
export function crashesText(crashes: number): string {
	if (!crashes) return '';
	return `the speech engine died ${crashes} time${crashes === 1 ? '' : 's'}`;
}

/** 0–100 for a running job that says how far it is, else undefined. */
export function progressPercent(j: Pick<JobView, 'state' | 'progress'>): number | undefined {
	if (j.state !== 'running' || typeof j.progress !== 'number' || !Number.isFinite(j.progress)) return undefined;
	return Math.max(0, Math.min(100, Math.round(j.progress * 100)));
}

/** When a queued job will be tried again (its runAfter, when that is still to come). */
export function retriesAfter(j: Pick<JobView, 'state' | 'runAfter'>, now: number): string | undefined {
	if (j.state !== 'queued') return undefined;
	const t = Date.parse(j.runAfter);
	return Number.isFinite(t) && t > now ? j.runAfter : undefined;
}

/** "just now", "40 s ago", "5 min ago", "3 h ago", "2 days ago"; "in 4 min" for the future. */
export function relativeTime(iso: string, now: number): string {
	const t = Date.parse(iso);
	if (!Number.isFinite(t)) return iso;
	const d = Math.round((t - now) / 1000);
	const a = Math.abs(d);
	if (a < 5) return 'just now';
	let n: string;
	if (a < 60) n = `${a} s`;
	else if (a < 3600) n = `${Math.floor(a / 60)} min`;
	else if (a < 86400) n = `${Math.floor(a / 3600)} h`;
	else {
		const days = Math.floor(a / 86400);
		n = `${days} day${days === 1 ? '' : 's'}`;
	}
	return d < 0 ? `${n} ago` : `in ${n}`;
}
