// The Team page's period: last 7/30/90 days or custom days, kept in the URL
// (`?period=30`, `?from=2026-11-01&to=2026-11-30`), and turned into the stats API's
// `filter.fromDate`/`filter.toDate` (company-zone days; `toDate` is exclusive, the UI's
// last day is inclusive, so it is sent as the day after).

export type Period = { kind: 'last'; days: 7 | 30 | 90 } | { kind: 'custom'; from: string; to: string };

export const PRESETS = [7, 30, 90] as const;
export const DEFAULT_PERIOD: Period = { kind: 'last', days: 30 };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `s` is a real calendar day `YYYY-MM-DD` (no 2024-02-30). */
export function isDay(s: string | null | undefined): s is string {
	const m = s ? DAY.exec(s) : null;
	if (!m) return false;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const probe = new Date(Date.UTC(y, mo - 1, d));
	return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

/** `YYYY-MM-DD` of a date's local calendar day. */
export function dayOf(d: Date): string {
	return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The day `n` days after `day` (calendar arithmetic in UTC, so no DST surprises). */
export function addDays(day: string, n: number): string {
	const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
	const t = new Date(Date.UTC(y, m - 1, d + n));
	return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`;
}

/** The period a query string names; anything invalid falls back to the default. */
export function periodFromQuery(q: URLSearchParams): Period {
	const from = q.get('from');
	const to = q.get('to');
	if (isDay(from) && isDay(to) && from <= to) return { kind: 'custom', from, to };
	const days = Number(q.get('period'));
	if ((PRESETS as readonly number[]).includes(days)) return { kind: 'last', days: days as 7 | 30 | 90 };
	return DEFAULT_PERIOD;
}

/** The query string of a period (empty for the default). */
export function periodToQuery(p: Period): URLSearchParams {
	const q = new URLSearchParams();
	if (p.kind === 'custom') {
		q.set('from', p.from);
		q.set('to', p.to);
	} else if (DEFAULT_PERIOD.kind !== 'last' || p.days !== DEFAULT_PERIOD.days) {
		q.set('period', String(p.days));
	}
	return q;
}

/** First and last day (both inclusive) of a period; "last N days" ends today. */
export function periodDays(p: Period, today: Date): { from: string; to: string } {
	if (p.kind === 'custom') return { from: p.from, to: p.to };
	const to = dayOf(today);
	return { from: addDays(to, -(p.days - 1)), to };
}

/** `filter` of the stats endpoints: `toDate` is the day after the last one. */
export function statsFilter(p: Period, today: Date): { fromDate: string; toDate: string } {
	const { from, to } = periodDays(p, today);
	return { fromDate: from, toDate: addDays(to, 1) };
}

/** A period for people: "Last 30 days" or "1 Nov 2026 – 30 Nov 2026". */
export function describePeriod(p: Period, locale?: string): string {
	if (p.kind === 'last') return `Last ${p.days} days`;
	const fmt = (s: string) => {
		const [y = 0, m = 1, d = 1] = s.split('-').map(Number);
		return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
	};
	return `${fmt(p.from)} – ${fmt(p.to)}`;
}
