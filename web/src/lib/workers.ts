// Settings › Jobs › Workers: the processes that run jobs (`GET /parley/v1/workers`) in
// words: their state, the one-line summary (and the sentence for when none is working),
// what they transcribe with, what they did since they started, the kinds they run. No
// DOM, no fetch: JobsSettings.svelte does the I/O, Workers.svelte shows it.

import type { components } from './api/schema';
import { kindLabel } from './jobs';
import { formatDateTime } from './time';

export type WorkerView = components['schemas']['WorkerView'];

/** `alive`: reported within three intervals; `stopped`: said it stopped; `silent`: neither. */
export const WORKER_STATES = ['alive', 'stopped', 'silent'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

export const WORKER_STATE_LABEL: Record<WorkerState, string> = {
	alive: 'Working',
	stopped: 'Stopped',
	silent: 'Not responding'
};

/** The sentence shown when no worker is working; `code` spans between backticks. */
export const NO_WORKER =
	'No worker is working: queued jobs wait until one starts (`parley serve` without `--no-workers`, or `parley worker`).';

function known(state: string): state is WorkerState {
	return (WORKER_STATES as readonly string[]).includes(state);
}

/**
 * The state in words: "Working", "Stopped", or "Not responding" `since` its last report
 * (the page says "Not responding since <time>"); a state this page does not know is shown
 * as it comes.
 */
export function workerState(w: Pick<WorkerView, 'state' | 'lastSeen'>): { label: string; since?: string } {
	if (w.state === 'silent') return { label: WORKER_STATE_LABEL.silent, since: w.lastSeen };
	return { label: known(w.state) ? WORKER_STATE_LABEL[w.state] : w.state };
}

/** The same in one line, with `when` formatting the time: "Not responding since 7 Dec 2026, 04:10". */
export function workerStateText(
	w: Pick<WorkerView, 'state' | 'lastSeen'>,
	when: (iso: string) => string = (iso) => formatDateTime(iso)
): string {
	const { label, since } = workerState(w);
	return since ? `${label} since ${when(since)}` : label;
}

const ORDER: Record<string, number> = { alive: 0, silent: 1, stopped: 2 };

/**
 * Working ones first, then those not responding (which should be), then the stopped ones;
 * within each, the API's order (latest started first). A new array.
 */
export function sortWorkers<T extends Pick<WorkerView, 'state'>>(workers: readonly T[]): T[] {
	return workers
		.map((w, i) => ({ w, i }))
		.sort((a, b) => (ORDER[a.w.state] ?? 3) - (ORDER[b.w.state] ?? 3) || a.i - b.i)
		.map(({ w }) => w);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The line above the table: "2 workers working" (and "; 1 not responding" when some are
 * silent), or, with none alive (an empty list too), the `NO_WORKER` sentence.
 */
export function workersSummary(workers: readonly Pick<WorkerView, 'state'>[]): { none: boolean; text: string } {
	const alive = workers.filter((w) => w.state === 'alive').length;
	const silent = workers.filter((w) => w.state === 'silent').length;
	if (!alive) {
		return { none: true, text: silent ? `${NO_WORKER} ${plural(silent, 'worker')} not responding.` : NO_WORKER };
	}
	return { none: false, text: `${plural(alive, 'worker')} working${silent ? `; ${silent} not responding` : ''}.` };
}

/** Text in runs of plain words and `code` (between backticks), for `<code>` without {@html}. */
export function codeParts(text: string): { code: boolean; text: string }[] {
	return text
		.split('`')
		.map((t, i) => ({ code: i % 2 === 1, text: t }))
		.filter((p) => p.text !== '');
}

/** "whisper-base", or "does not transcribe" when it has no speech model. */
export function speechText(w: Pick<WorkerView, 'speechModel'>): string {
	return w.speechModel ? w.speechModel : 'does not transcribe';
}

/** "2 transcriptions at a time"; "" when it does not transcribe. */
export function slotsText(w: Pick<WorkerView, 'speechModel' | 'transcriptionSlots'>): string {
	if (!w.speechModel) return '';
	return `${plural(w.transcriptionSlots, 'transcription')} at a time`;
}

/** "1 running, 42 done, 3 failed". */
export function workDoneText(w: Pick<WorkerView, 'running' | 'done' | 'failed'>): string {
	return `${w.running} running, ${w.done} done, ${w.failed} failed`;
}

/** "runs 3 kinds of job" and their names in words ("Transcription", …), in the API's order. */
export function kindsText(kinds: readonly string[]): { summary: string; names: string[] } {
	const names = kinds.map(kindLabel);
	return { summary: kinds.length ? `runs ${plural(kinds.length, 'kind')} of job` : 'runs no jobs', names };
}

/** How the page knows: "Each worker reports every 15 seconds; one that has not for 45 seconds … ". */
export function reportingText(everySeconds: number): string {
	if (!(everySeconds > 0)) return 'Workers seen in the last day.';
	return `Workers seen in the last day. Each reports every ${plural(everySeconds, 'second')}; one that has not reported for ${plural(3 * everySeconds, 'second')} and did not say it stopped is not responding (it died, hangs or cannot reach the database).`;
}
