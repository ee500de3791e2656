// The Team page's trend chart: activity per week or month over the chosen period, from
// POST /v2/stats/activity/aggregate-by-period (one object per user and period, each with
// the fifteen counters and its `fromDate`/`toDate`), summed for the team and picked out
// for one rep, then laid out for a hand-written SVG line chart. Pure functions:
// unit-tested in trend.test.ts.

import { addDays } from './period';
import type { ActivityKey } from './teamStats';

export type TrendPeriod = 'WEEK' | 'MONTH';

/** One period of the chart: days `from` (inclusive) to `to` (exclusive), `YYYY-MM-DD`. */
export interface Bucket {
	from: string;
	to: string;
	/** Shorter than a whole week or month: the chosen days cut it (the API clips it too). */
	partial: boolean;
}

/** The day of the week of a `YYYY-MM-DD` day, 0 = Monday … 6 = Sunday. */
function weekday(day: string): number {
	const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
	return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** The first day of the week (Monday, as the API's weeks) or month after the one `day` is in. */
function nextStart(day: string, period: TrendPeriod): string {
	if (period === 'WEEK') return addDays(day, 7 - weekday(day));
	const [y = 0, m = 1] = day.split('-').map(Number);
	return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** Whether `from`–`to` is a whole week from a Monday or a whole month from its first day. */
function whole(from: string, to: string, period: TrendPeriod): boolean {
	if (period === 'WEEK') return weekday(from) === 0 && to === addDays(from, 7);
	return from.endsWith('-01') && to === nextStart(from, 'MONTH');
}

/**
 * The periods between `fromDay` (inclusive) and `toExclusive`, as the API cuts them: weeks
 * start on Monday, months on the 1st, and the first and last are clipped to the days asked
 * for. At most 400 (a longer range is cut there), none when the range is empty.
 */
export function trendBuckets(fromDay: string, toExclusive: string, period: TrendPeriod): Bucket[] {
	const out: Bucket[] = [];
	let from = fromDay;
	while (from < toExclusive && out.length < 400) {
		const next = nextStart(from, period);
		const to = next < toExclusive ? next : toExclusive;
		out.push({ from, to, partial: !whole(from, to, period) });
		from = to;
	}
	return out;
}

/** The index of the bucket `day` falls in, or -1 outside them all. */
export function bucketOf(buckets: readonly Bucket[], day: string): number {
	let lo = 0;
	let hi = buckets.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		const b = buckets[mid]!;
		if (day < b.from) hi = mid - 1;
		else if (day >= b.to) lo = mid + 1;
		else return mid;
	}
	return -1;
}

export interface PeriodCounts {
	fromDate: string;
	[counter: string]: number | string;
}
export interface UserPeriods {
	userId: string;
	userAggregateActivity: readonly PeriodCounts[];
}

export interface TrendSeries {
	/** Every rep's count added up, one per bucket. */
	team: number[];
	/** The chosen rep's, one per bucket (zeros when the API has nothing of theirs). */
	rep?: number[];
}

/**
 * The counter `key` per bucket, for the team (every user of the answer) and for `repId`
 * when given. A period is put in the bucket its `fromDate`'s day falls in (the API writes
 * it as midnight in the company's zone, `2024-03-04T00:00:00-08:00`, so its first ten
 * characters are that day); periods outside the buckets, and counts that are not
 * finite numbers, are left out.
 */
export function trendSeries(users: readonly UserPeriods[], buckets: readonly Bucket[], key: ActivityKey, repId?: string): TrendSeries {
	const team = new Array<number>(buckets.length).fill(0);
	const rep = repId === undefined ? undefined : new Array<number>(buckets.length).fill(0);
	for (const u of users) {
		for (const p of u.userAggregateActivity) {
			const v = p[key];
			if (typeof v !== 'number' || !Number.isFinite(v) || typeof p.fromDate !== 'string') continue;
			const i = bucketOf(buckets, p.fromDate.slice(0, 10));
			if (i < 0) continue;
			team[i]! += v;
			if (rep && u.userId === repId) rep[i]! += v;
		}
	}
	return rep ? { team, rep } : { team };
}

/**
 * The y-axis: a round top at or above `max` and its ticks from 0 in steps of 1, 2 or 5 ×
 * 10ⁿ (whole numbers: these are counts), at most `maxTicks` steps. A max of 0 still gets an
 * axis from 0 to 1.
 */
export function niceScale(max: number, maxTicks = 4): { top: number; ticks: number[] } {
	const m = Number.isFinite(max) && max > 0 ? max : 1;
	let step = 1;
	for (let p = 1; ; p *= 10) {
		const found = [1, 2, 5].map((k) => k * p).find((s) => Math.ceil(m / s) <= maxTicks);
		if (found) {
			step = found;
			break;
		}
	}
	const top = Math.ceil(m / step) * step;
	const ticks: number[] = [];
	for (let t = 0; t <= top; t += step) ticks.push(t);
	return { top, ticks };
}

export interface Plot {
	left: number;
	right: number;
	top: number;
	bottom: number;
}

/** The x of each of `n` points across the plot (one point: the middle). */
export function xPositions(n: number, plot: Plot): number[] {
	if (n <= 0) return [];
	if (n === 1) return [(plot.left + plot.right) / 2];
	const step = (plot.right - plot.left) / (n - 1);
	return Array.from({ length: n }, (_, i) => plot.left + i * step);
}

/** The y of a value on a 0–`top` axis (0 at the plot's bottom). */
export function yOf(v: number, top: number, plot: Plot): number {
	const f = top > 0 ? Math.min(1, Math.max(0, v / top)) : 0;
	return plot.bottom - f * (plot.bottom - plot.top);
}

const num = (v: number) => String(Math.round(v * 10) / 10);

/** SVG path data through the points (empty for none; a lone point is a move only, drawn as a dot). */
export function linePath(values: readonly number[], xs: readonly number[], top: number, plot: Plot): string {
	return values.map((v, i) => `${i ? 'L' : 'M'}${num(xs[i]!)},${num(yOf(v, top, plot))}`).join('');
}

/** Every how many buckets an x label fits, for labels at least `minGap` pixels apart. */
export function labelEvery(n: number, width: number, minGap = 56): number {
	if (n <= 1 || width <= 0) return 1;
	const gap = width / (n - 1);
	return Math.max(1, Math.ceil(minGap / gap));
}

const dayDate = (day: string) => {
	const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
	return new Date(Date.UTC(y, m - 1, d));
};

/** A bucket's short label: its first day ("4 Mar") for a week, "Mar 2024" for a month. */
export function bucketLabel(b: Bucket, period: TrendPeriod, locale?: string): string {
	const opts: Intl.DateTimeFormatOptions = period === 'WEEK' ? { day: 'numeric', month: 'short', timeZone: 'UTC' } : { month: 'short', year: 'numeric', timeZone: 'UTC' };
	return new Intl.DateTimeFormat(locale, opts).format(dayDate(b.from));
}

/** A bucket's days in full, as the locale shortens a range: "4 – 10 Mar 2024" (its last day, not the exclusive end). */
export function bucketRange(b: Bucket, locale?: string): string {
	const fmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
	const last = addDays(b.to, -1);
	return last === b.from ? fmt.format(dayDate(b.from)) : fmt.formatRange(dayDate(b.from), dayDate(last));
}

function summary(values: readonly number[]): string {
	const total = values.reduce((s, v) => s + v, 0);
	const max = Math.max(...values);
	const min = Math.min(...values);
	const first = values[0]!;
	const last = values.at(-1)!;
	if (values.length === 1) return String(total);
	const way = values.length < 2 ? '' : last > first ? ', rising' : last < first ? ', falling' : ', level';
	return `${total} in all, ${min === max ? `${min} each` : `from ${min} to ${max}`}${way} (${first} in the first, ${last} in the last)`;
}

/**
 * The chart in words, for its `aria-label`: what is counted per what, over how many
 * periods, and for the team and the rep: the total, the range and the direction from
 * the first period to the last.
 */
export function describeTrend(measure: string, period: TrendPeriod, series: TrendSeries, repName?: string): string {
	const n = series.team.length;
	if (!n) return `${measure}: no periods to show.`;
	const unit = period === 'WEEK' ? 'week' : 'month';
	const parts = [`${measure} per ${unit}, ${n} ${unit}${n === 1 ? '' : 's'}. Team: ${summary(series.team)}.`];
	if (series.rep && repName) parts.push(`${repName}: ${summary(series.rep)}.`);
	return parts.join(' ');
}
