// The team's averages beside a call's interaction stats (the call page's summary panel):
// `GET /parley/v1/stats/interaction/averages` over the 90 days before the call, matched to the
// call's stats by the server's stat name and formatted as the stats are. The figures are the
// server's; here they are only matched, formatted and compared (higher, lower or the same
// as shown). Pure functions (but the fetch): unit-tested in teamAverages.test.ts.

import type { Api } from './api/client';
import { ApiError, unwrap } from './api/client';
import type { components } from './api/schema';
import { formatStat, type Stat } from './summary';
import { formatDate } from './time';

export type TeamInteractionAverages = components['schemas']['TeamInteractionAverages'];

/** How many days before the call the team's averages cover. */
export const AVERAGE_DAYS = 90;

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a time in ms (UTC). */
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The ms (UTC midnight) of the date an RFC 3339 time is written with, or undefined. */
function dayOf(time: string | null | undefined): number | undefined {
	const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(time ?? '');
	if (!m) return undefined;
	const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
	return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The period of the team's averages for a call: from its start date less `days` to the day
 * after it (`toDate` is exclusive), so the call's own day counts. The date is the one the
 * server wrote the start with (its offset is the company's time zone); undefined without a
 * start.
 */
export function averagesPeriod(started: string | null | undefined, days = AVERAGE_DAYS): { fromDate: string; toDate: string } | undefined {
	const day = dayOf(started);
	if (day === undefined) return undefined;
	return { fromDate: isoDay(day - days * DAY_MS), toDate: isoDay(day + DAY_MS) };
}

/** Whether the answer has anything to show: reps, calls and stats. */
export function hasAverages(a: TeamInteractionAverages | null | undefined): a is TeamInteractionAverages {
	return !!a && a.users > 0 && a.calls > 0 && a.interactionStats.some((s) => Number.isFinite(s.value));
}

export interface AverageNote {
	/** "Team avg 46%". */
	text: string;
	/** The call's value against the team's, as shown (two values shown alike are the same). */
	direction: 'higher' | 'lower' | 'same';
	/** For screen readers: "higher than the team average, 46%". */
	spoken: string;
}

/** The team's average for each of the call's stats that has one, by the row's server name. */
export function averageNotes(rows: readonly Stat[], a: TeamInteractionAverages | null | undefined): Map<string, AverageNote> {
	const out = new Map<string, AverageNote>();
	if (!hasAverages(a)) return out;
	for (const row of rows) {
		if (row.stat === undefined || row.raw === undefined) continue;
		const avg = a.interactionStats.find((s) => s.name === row.stat);
		if (!avg || !Number.isFinite(avg.value)) continue;
		const shown = formatStat(avg.name, avg.value);
		const direction = shown === row.value ? 'same' : row.raw > avg.value ? 'higher' : 'lower';
		const spoken =
			direction === 'same' ? `the same as the team average, ${shown}` : `${direction} than the team average, ${shown}`;
		out.set(row.stat, { text: `Team avg ${shown}`, direction, spoken });
	}
	return out;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * "Team average, 37 calls of 4 reps, 5 Dec 2023–4 Mar 2024": the period's first and last
 * days (the answer's `toDateTime` is exclusive); undefined for an empty period.
 */
export function averagesCaption(a: TeamInteractionAverages | null | undefined, locale?: string): string | undefined {
	if (!hasAverages(a)) return undefined;
	const from = dayOf(a.fromDateTime);
	const to = dayOf(a.toDateTime);
	const day = (ms: number) => formatDate(isoDay(ms), locale, 'UTC');
	const span = from !== undefined && to !== undefined ? `, ${day(from)}–${day(Math.max(from, to - DAY_MS))}` : '';
	return `Team average, ${plural(a.calls, 'call', 'calls')} of ${plural(a.users, 'rep', 'reps')}${span}`;
}

/**
 * The team's averages for a call, or undefined when there is nothing to show: no start
 * date, an empty period, or a user who may not read the team's stats (403). Any other
 * failure throws its ApiError.
 */
export async function fetchTeamAverages(api: Api, started: string | null | undefined): Promise<TeamInteractionAverages | undefined> {
	const period = averagesPeriod(started);
	if (!period) return undefined;
	try {
		const a = await unwrap(api.GET('/parley/v1/stats/interaction/averages', { params: { query: period } }));
		return hasAverages(a) ? a : undefined;
	} catch (e) {
		if (e instanceof ApiError && e.status === 403) return undefined;
		throw e;
	}
}
