// The calls list's filter lives in the URL (shareable, back button works). This module is
// the round-trip filter ↔ query string, and filter → the parameters of GET /v2/calls.

export interface CallsFilter {
	/** First day, inclusive, `YYYY-MM-DD` in the browser's zone. */
	from?: string;
	/** Last day, inclusive, `YYYY-MM-DD` in the browser's zone. */
	to?: string;
	/** `records.cursor` of the previous page. */
	cursor?: string;
	/** Only calls this user hosted (their user id; the Team page's drill-down). */
	rep?: string;
}

export interface ListCallsQuery {
	fromDateTime?: string;
	toDateTime?: string;
	cursor?: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` of a real calendar day (no 2024-02-30), else undefined. */
function parseDay(s: string | null): [number, number, number] | undefined {
	const m = s ? DAY.exec(s) : null;
	if (!m) return undefined;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const probe = new Date(Date.UTC(y, mo - 1, d));
	if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined;
	return [y, mo, d];
}

/** The filter a query string describes; invalid or empty values are dropped, not guessed at. */
export function filterFromQuery(q: URLSearchParams): CallsFilter {
	const f: CallsFilter = {};
	const from = q.get('from');
	const to = q.get('to');
	const cursor = q.get('cursor');
	const rep = q.get('rep');
	if (parseDay(from)) f.from = from!;
	if (parseDay(to)) f.to = to!;
	if (rep && /^\d{1,20}$/.test(rep)) f.rep = rep;
	if (cursor) f.cursor = cursor;
	return f;
}

/** The query string of a filter, keys in a fixed order, empty values left out. */
export function filterToQuery(f: CallsFilter): URLSearchParams {
	const q = new URLSearchParams();
	if (f.from) q.set('from', f.from);
	if (f.to) q.set('to', f.to);
	if (f.rep) q.set('rep', f.rep);
	if (f.cursor) q.set('cursor', f.cursor);
	return q;
}

/** `?from=…` (or '' for no filter) to put after a path. */
export function filterHref(path: string, f: CallsFilter): string {
	const q = filterToQuery(f).toString();
	return q ? `${path}?${q}` : path;
}

/** Local midnight starting the given day, as an ISO instant (DST-aware through Date). */
function localMidnight([y, m, d]: [number, number, number], plusDays = 0): string {
	return new Date(y, m - 1, d + plusDays).toISOString();
}

/**
 * GET /v2/calls parameters: `from` → its local midnight (calls at or after it), `to` →
 * the next day's local midnight (the API's `toDateTime` is exclusive, the UI's last day
 * is inclusive).
 */
export function toListCallsQuery(f: CallsFilter): ListCallsQuery {
	const q: ListCallsQuery = {};
	const from = parseDay(f.from ?? null);
	const to = parseDay(f.to ?? null);
	if (from) q.fromDateTime = localMidnight(from);
	if (to) q.toDateTime = localMidnight(to, 1);
	if (f.cursor) q.cursor = f.cursor;
	return q;
}

/** Why the filter cannot be sent, or undefined when it can. */
export function filterProblem(f: CallsFilter): string | undefined {
	if (f.from && f.to && f.from > f.to) return 'The first day is after the last day.';
	return undefined;
}

/**
 * The `filter` of POST /v2/calls/extensive for a filter naming a rep (GET /v2/calls has
 * no user filter): the same dates, and `primaryUserIds` (the host).
 */
export function toExtensiveFilter(f: CallsFilter): { fromDateTime?: string; toDateTime?: string; primaryUserIds?: string[] } {
	const { fromDateTime, toDateTime } = toListCallsQuery(f);
	const out: { fromDateTime?: string; toDateTime?: string; primaryUserIds?: string[] } = {};
	if (fromDateTime) out.fromDateTime = fromDateTime;
	if (toDateTime) out.toDateTime = toDateTime;
	if (f.rep) out.primaryUserIds = [f.rep];
	return out;
}
