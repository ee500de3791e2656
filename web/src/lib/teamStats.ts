// The Team page's numbers: the interaction stats of POST /v2/stats/interaction and the
// activity counters of POST /v2/stats/activity/aggregate joined per rep, formatted,
// classified against a recommended range, sorted, and laid out for a distribution strip.
// The server computes every figure (docs/analysis-metrics.md); this only presents them.

import { describeDuration } from './time';

export type Unit = 'ratio' | 'seconds' | 'score' | 'perHour';

/** A recommended range; either end may be open. Neither the API nor Gong's product gives
 * one, so each carries where it comes from. */
export interface Range {
	min?: number;
	max?: number;
	/** A value to aim for inside the range, drawn as a tick. */
	target?: number;
	source: string;
}

export interface MetricDef {
	/** The `name` of the API's `personInteractionStats`. */
	name: string;
	label: string;
	unit: Unit;
	help: string;
	range?: Range;
}

const GONG_LABS_TALK = 'Gong Labs, "talk-to-listen ratio": top reps talk ≈43% of the time; calls where the rep talks over 65% convert worse';
const GONG_LABS_PAUSE = 'Gong Labs via breakintotechsales.com "power of the pause": top reps pause ≈1.5 s before answering, others ≈0.3 s';
const GONG_LABS_STORY = 'Gong Labs, "winning sales conversations": customers speaking 4 min or more uninterrupted correlate with won deals';

/** The six interaction stats, in the API's order. */
export const INTERACTION_METRICS: MetricDef[] = [
	{ name: 'Talk Ratio', label: 'Talk ratio', unit: 'ratio', help: "The rep's share of all talk in their calls.", range: { max: 0.65, target: 0.43, source: GONG_LABS_TALK } },
	{ name: 'Longest Monologue', label: 'Longest monologue', unit: 'seconds', help: "Mean over the rep's calls of their longest uninterrupted stretch." },
	{ name: 'Longest Customer Story', label: 'Longest customer story', unit: 'seconds', help: "Mean over the rep's calls of the customer's longest uninterrupted stretch.", range: { min: 240, source: GONG_LABS_STORY } },
	{ name: 'Interactivity', label: 'Interactivity', unit: 'score', help: 'Speaker switches per minute, 0–10.' },
	{ name: 'Patience', label: 'Patience', unit: 'seconds', help: 'Mean pause before the rep takes the floor from the customer.', range: { min: 1.5, source: GONG_LABS_PAUSE } },
	{ name: 'Question Rate', label: 'Question rate', unit: 'perHour', help: 'Questions the rep asks per hour of call.' }
];

export type ActivityKey =
	| 'callsAsHost'
	| 'callsAttended'
	| 'ownCallsListenedTo'
	| 'othersCallsListenedTo'
	| 'callsSharedInternally'
	| 'callsSharedExternally'
	| 'callsCommentsGiven'
	| 'callsCommentsReceived'
	| 'callsScorecardsFilled'
	| 'callsScorecardsReceived'
	| 'callsGaveFeedback'
	| 'callsReceivedFeedback'
	| 'callsRequestedFeedback'
	| 'callsMarkedAsFeedbackGiven'
	| 'callsMarkedAsFeedbackReceived';

/** The activity counters the table shows (all are calls counted). */
export const ACTIVITY_COLUMNS: { key: ActivityKey; label: string }[] = [
	{ key: 'callsAsHost', label: 'Calls hosted' },
	{ key: 'callsAttended', label: 'Calls attended' },
	{ key: 'othersCallsListenedTo', label: "Others' calls listened to" },
	{ key: 'callsCommentsGiven', label: 'Comments given' },
	{ key: 'callsScorecardsFilled', label: 'Scorecards filled' },
	{ key: 'callsScorecardsReceived', label: 'Scorecards received' }
];

export interface PersonInteraction {
	userId: string;
	userEmailAddress: string;
	personInteractionStats: { name: string; value: number }[];
}
export interface UserActivity {
	userId: string;
	userEmailAddress: string;
	userAggregateActivityStats: Partial<Record<ActivityKey, number>>;
}
export interface UserName {
	id: string;
	firstName?: string;
	lastName?: string;
	emailAddress?: string;
}

export interface RepRow {
	userId: string;
	name: string;
	email: string;
	/** By metric name; absent when the rep has no analysed call in the period. */
	stats: Record<string, number | undefined>;
	activity: Partial<Record<ActivityKey, number>>;
}

/** One row per rep found in either answer, named from the users list (else the email). */
export function buildRows(interaction: PersonInteraction[], activity: UserActivity[], users: UserName[]): RepRow[] {
	const rows = new Map<string, RepRow>();
	const names = new Map(users.map((u) => [u.id, `${u.firstName ?? ''} ${u.lastName ?? ''}`.trim()]));
	const row = (userId: string, email: string) => {
		let r = rows.get(userId);
		if (!r) {
			r = { userId, name: names.get(userId) || email || `User ${userId}`, email, stats: {}, activity: {} };
			rows.set(userId, r);
		}
		if (!r.email && email) r.email = email;
		return r;
	};
	for (const p of interaction) {
		const r = row(p.userId, p.userEmailAddress);
		for (const s of p.personInteractionStats) if (Number.isFinite(s.value)) r.stats[s.name] = s.value;
	}
	for (const a of activity) {
		const r = row(a.userId, a.userEmailAddress);
		r.activity = { ...a.userAggregateActivityStats };
	}
	return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}

export type SortKey = 'name' | `stat:${string}` | `activity:${ActivityKey}`;
export type SortDir = 'asc' | 'desc';

function sortValue(r: RepRow, key: SortKey): string | number | undefined {
	if (key === 'name') return r.name.toLowerCase();
	if (key.startsWith('stat:')) return r.stats[key.slice(5)];
	return r.activity[key.slice(9) as ActivityKey];
}

/** Rows sorted by a column; reps without a value go last in both directions; ties by name. */
export function sortRows(rows: RepRow[], key: SortKey, dir: SortDir): RepRow[] {
	const sign = dir === 'asc' ? 1 : -1;
	return [...rows].sort((a, b) => {
		const va = sortValue(a, key);
		const vb = sortValue(b, key);
		if (va === undefined && vb !== undefined) return 1;
		if (vb === undefined && va !== undefined) return -1;
		if (va !== undefined && vb !== undefined && va !== vb) return (va < vb ? -1 : 1) * sign;
		return a.name.localeCompare(b.name);
	});
}

/** A stat's value for people: "43%", "1 min 5 s", "7.3", "12.5/h". */
export function formatStat(unit: Unit, value: number | undefined): string {
	if (value === undefined || !Number.isFinite(value)) return '—';
	switch (unit) {
		case 'ratio':
			return `${Math.round(value * 100)}%`;
		case 'seconds':
			return value < 10 ? `${(Math.round(value * 10) / 10).toFixed(1)} s` : describeDuration(Math.round(value));
		case 'score':
			return (Math.round(value * 10) / 10).toFixed(1);
		case 'perHour':
			return `${(Math.round(value * 10) / 10).toFixed(1)}/h`;
	}
}

export type Standing = 'below' | 'within' | 'above';

/** Where a value stands against a range; undefined without a value or a range. */
export function classify(value: number | undefined, range: Range | undefined): Standing | undefined {
	if (value === undefined || !Number.isFinite(value) || !range) return undefined;
	if (range.min !== undefined && value < range.min) return 'below';
	if (range.max !== undefined && value > range.max) return 'above';
	return 'within';
}

/** The range for people: "at most 65%", "at least 1.5 s", "40%–65%". */
export function describeRange(unit: Unit, range: Range): string {
	const f = (v: number) => formatStat(unit, v);
	if (range.min !== undefined && range.max !== undefined) return `${f(range.min)}–${f(range.max)}`;
	if (range.max !== undefined) return `at most ${f(range.max)}`;
	if (range.min !== undefined) return `at least ${f(range.min)}`;
	return '';
}

export function mean(values: number[]): number | undefined {
	const v = values.filter(Number.isFinite);
	return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
}

export interface Strip {
	lo: number;
	hi: number;
	/** x in [0, 100] of each value, in the order given. */
	points: { x: number; value: number }[];
	/** The recommended band in [0, 100] (open ends reach the edge), when there is a range. */
	band?: { x0: number; x1: number };
	target?: number;
	average?: number;
	ticks: { x: number; value: number }[];
}

/**
 * A distribution strip of one metric: every rep a dot on an axis that covers the values
 * and the range's ends (and 0 for these non-negative stats), with the band, the target
 * and the team average placed on it. Undefined when nobody has a value.
 */
export function strip(values: number[], unit: Unit, range?: Range): Strip | undefined {
	const v = values.filter(Number.isFinite);
	if (!v.length) return undefined;
	const ends = [0, ...v];
	if (range?.min !== undefined) ends.push(range.min);
	if (range?.max !== undefined) ends.push(range.max);
	if (range?.target !== undefined) ends.push(range.target);
	let lo = Math.min(...ends);
	let hi = Math.max(...ends);
	if (unit === 'ratio') hi = Math.max(hi, 1);
	if (hi === lo) hi = lo + 1;
	hi = niceCeil(hi);
	const x = (n: number) => ((n - lo) / (hi - lo)) * 100;
	const avg = mean(v)!;
	return {
		lo,
		hi,
		points: v.map((value) => ({ x: x(value), value })),
		band: range && (range.min !== undefined || range.max !== undefined) ? { x0: x(range.min ?? lo), x1: x(Math.min(range.max ?? hi, hi)) } : undefined,
		target: range?.target !== undefined ? x(range.target) : undefined,
		average: x(avg),
		ticks: [lo, (lo + hi) / 2, hi].map((value) => ({ x: x(value), value }))
	};
}

/** The next "round" number at or above n (1, 2, 2.5, 5 × a power of ten). */
export function niceCeil(n: number): number {
	if (n <= 0) return 0;
	const p = 10 ** Math.floor(Math.log10(n));
	for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n - 1e-9) return m * p;
	return 10 * p;
}
