// The calls list's filter lives in the URL (shareable, back button works). This module is
// the round trip filter ↔ query string, and filter → the parameters of GET /parley/v1/calls.
// It only drops what cannot be a value of a field (a direction that is not one, a duration
// that is not a number); the server judges the rest (a search over 200 characters, a
// workspace that does not exist…) and its 400 is shown.

import { userName } from './users';

export const DIRECTIONS = ['Inbound', 'Outbound', 'Conference', 'Unknown'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** The orders of the list: by start (newest is the API's default) or by duration (ties newest first). */
export const SORTS = ['newest', 'oldest', 'longest', 'shortest'] as const;
export type Sort = (typeof SORTS)[number];
export const SORT_LABELS: Record<Sort, string> = {
	newest: 'Newest first',
	oldest: 'Oldest first',
	longest: 'Longest first',
	shortest: 'Shortest first'
};

export interface CallsFilter {
	/** Search text (title, a participant's name or e-mail address, a linked CRM account's name,
	 * the words of the transcript as a phrase). */
	q?: string;
	/** First day, inclusive, `YYYY-MM-DD` in the browser's zone. */
	from?: string;
	/** Last day, inclusive, `YYYY-MM-DD` in the browser's zone. */
	to?: string;
	/** Only calls this user hosted (their user id; `primaryUserId`, the Team page's drill-down). */
	rep?: string;
	/** Only calls hosted by this manager or anyone reporting to them, down the tree (`teamOf`). */
	teamOf?: string;
	workspace?: string;
	direction?: Direction;
	/** Shortest duration, in minutes (the API takes seconds). */
	minMinutes?: number;
	/** Longest duration, in minutes. */
	maxMinutes?: number;
	/** `yes`: only calls with a recording; `no`: only calls without. */
	recording?: 'yes' | 'no';
	/** A tracker's id: only calls where it fired. */
	tracker?: string;
	/** A topic's name: only calls where it was discussed. */
	topic?: string;
	/** Oldest, longest or shortest first; newest first when absent (the API's default). */
	sort?: Exclude<Sort, 'newest'>;
	/** `nextCursor` of the previous page (it only continues the same filter). */
	cursor?: string;
}

/** The query of GET /parley/v1/calls. */
export interface SearchCallsQuery {
	fromDateTime?: string;
	toDateTime?: string;
	q?: string;
	primaryUserId?: string;
	teamOf?: string;
	workspaceId?: string;
	direction?: Direction;
	minDuration?: number;
	maxDuration?: number;
	hasRecording?: boolean;
	trackerId?: string;
	topic?: string;
	sort?: Sort;
	limit?: number;
	cursor?: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ID = /^\d{1,20}$/;
const MINUTES = /^\d{1,6}(\.\d{1,3})?$/;

/** `YYYY-MM-DD` of a real calendar day (no 2024-02-30), else undefined. */
function parseDay(s: string | null | undefined): [number, number, number] | undefined {
	const m = s ? DAY.exec(s) : null;
	if (!m) return undefined;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const probe = new Date(Date.UTC(y, mo - 1, d));
	if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined;
	return [y, mo, d];
}

/** A number of minutes typed in a box (a number input binds a number, or null when empty)
 * or read from the URL (`2`, `0.5`), else undefined. */
export function parseMinutes(s: string | number | null | undefined): number | undefined {
	const t = s == null ? '' : String(s).trim();
	return t && MINUTES.test(t) ? Number(t) : undefined;
}

/** The filter a query string describes; invalid or empty values are dropped, not guessed at. */
export function filterFromQuery(q: URLSearchParams): CallsFilter {
	const f: CallsFilter = {};
	const get = (k: string) => q.get(k) ?? undefined;
	const text = get('q');
	if (text?.trim()) f.q = text.trim();
	const from = get('from');
	const to = get('to');
	if (parseDay(from)) f.from = from;
	if (parseDay(to)) f.to = to;
	for (const [key, field] of [
		['rep', 'rep'],
		['teamOf', 'teamOf'],
		['workspace', 'workspace'],
		['tracker', 'tracker']
	] as const) {
		const v = get(key);
		if (v && ID.test(v)) f[field] = v;
	}
	const direction = get('direction');
	if (DIRECTIONS.includes(direction as Direction)) f.direction = direction as Direction;
	const min = parseMinutes(get('min'));
	const max = parseMinutes(get('max'));
	if (min !== undefined) f.minMinutes = min;
	if (max !== undefined) f.maxMinutes = max;
	const recording = get('recording');
	if (recording === 'yes' || recording === 'no') f.recording = recording;
	const topic = get('topic');
	if (topic?.trim()) f.topic = topic.trim();
	const sort = sortField(get('sort') ?? '');
	if (sort) f.sort = sort;
	const cursor = get('cursor');
	if (cursor) f.cursor = cursor;
	return f;
}

/** The query string of a filter, keys in a fixed order, empty values left out. */
export function filterToQuery(f: CallsFilter): URLSearchParams {
	const q = new URLSearchParams();
	if (f.q?.trim()) q.set('q', f.q.trim());
	if (f.from) q.set('from', f.from);
	if (f.to) q.set('to', f.to);
	if (f.rep) q.set('rep', f.rep);
	if (f.teamOf) q.set('teamOf', f.teamOf);
	if (f.workspace) q.set('workspace', f.workspace);
	if (f.direction) q.set('direction', f.direction);
	if (f.minMinutes !== undefined) q.set('min', String(f.minMinutes));
	if (f.maxMinutes !== undefined) q.set('max', String(f.maxMinutes));
	if (f.recording) q.set('recording', f.recording);
	if (f.tracker) q.set('tracker', f.tracker);
	if (f.topic?.trim()) q.set('topic', f.topic.trim());
	if (f.sort) q.set('sort', f.sort);
	if (f.cursor) q.set('cursor', f.cursor);
	return q;
}

/** `/calls?…` (or just the path for no filter). */
export function filterHref(path: string, f: CallsFilter): string {
	const q = filterToQuery(f).toString();
	return q ? `${path}?${q}` : path;
}

/** The same filter with some fields changed: a cursor only continues the filter it came
 * from, so any change (the sort included) goes back to the first page. */
export function changeFilter(f: CallsFilter, change: Partial<CallsFilter>): CallsFilter {
	const next: CallsFilter = { ...f, ...change };
	delete next.cursor;
	return filterFromQuery(filterToQuery(next));
}

/** Whether two filters ask for the same calls (the cursor aside). */
export function sameFilter(a: CallsFilter, b: CallsFilter): boolean {
	return filterToQuery({ ...a, cursor: undefined }).toString() === filterToQuery({ ...b, cursor: undefined }).toString();
}

/** How many filters are on (the dates count as one, and so do the durations; the sort and
 * the page are not filters): the "3 filters" of the collapsed filter bar. */
export function activeFilters(f: CallsFilter): number {
	return [
		f.q,
		f.from || f.to,
		f.rep,
		f.teamOf,
		f.workspace,
		f.direction,
		f.minMinutes !== undefined || f.maxMinutes !== undefined,
		f.recording,
		f.tracker,
		f.topic
	].filter(Boolean).length;
}

/** Local midnight starting the given day, as an ISO instant (DST-aware through Date). */
function localMidnight([y, m, d]: [number, number, number], plusDays = 0): string {
	return new Date(y, m - 1, d + plusDays).toISOString();
}

/**
 * GET /parley/v1/calls parameters: `from` → its local midnight (calls at or after it), `to`
 * → the next day's local midnight (`toDateTime` is exclusive, the UI's last day is
 * inclusive); minutes → whole seconds; `rep` → `primaryUserId`, `teamOf` as it is; the
 * sort only when it is not the default.
 */
export function toSearchQuery(f: CallsFilter): SearchCallsQuery {
	const q: SearchCallsQuery = {};
	const from = parseDay(f.from);
	const to = parseDay(f.to);
	if (from) q.fromDateTime = localMidnight(from);
	if (to) q.toDateTime = localMidnight(to, 1);
	if (f.q?.trim()) q.q = f.q.trim();
	if (f.rep) q.primaryUserId = f.rep;
	if (f.teamOf) q.teamOf = f.teamOf;
	if (f.workspace) q.workspaceId = f.workspace;
	if (f.direction) q.direction = f.direction;
	if (f.minMinutes !== undefined) q.minDuration = Math.round(f.minMinutes * 60);
	if (f.maxMinutes !== undefined) q.maxDuration = Math.round(f.maxMinutes * 60);
	if (f.recording) q.hasRecording = f.recording === 'yes';
	if (f.tracker) q.trackerId = f.tracker;
	if (f.topic?.trim()) q.topic = f.topic.trim();
	if (f.sort) q.sort = f.sort;
	if (f.cursor) q.cursor = f.cursor;
	return q;
}

/** Why the filter cannot be sent, or undefined when it can (the form's own check of what
 * it offers as a range; everything else is the server's to judge). */
export function filterProblem(f: CallsFilter): string | undefined {
	if (f.from && f.to && f.from > f.to) return 'The first day is after the last day.';
	return undefined;
}

/** The list's sort as a filter field: newest (the default) is no field at all. */
export function sortField(v: string): CallsFilter['sort'] {
	return v === 'oldest' || v === 'longest' || v === 'shortest' ? v : undefined;
}

/** A team of the Team select: a manager (a user someone reports to) and its label. */
export interface TeamOption {
	id: string;
	label: string;
}

type TeamUser = { id: string; managerId?: string | null; firstName?: string; lastName?: string; emailAddress?: string };

/** "<manager name>'s team" for every user at least one user reports to (`managerId`), by
 * name; a manager the list does not hold (an inactive or unreadable one) has no team here. */
export function teamOptions(users: TeamUser[]): TeamOption[] {
	const managers = new Set(users.map((u) => u.managerId).filter((m): m is string => !!m));
	return users
		.filter((u) => managers.has(u.id))
		.map((u) => ({ id: u.id, label: teamLabel(userName(u) ?? `user ${u.id}`) }))
		.sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
}

/** "Grace Hopper's team". */
export function teamLabel(name: string): string {
	return `${name}'s team`;
}
