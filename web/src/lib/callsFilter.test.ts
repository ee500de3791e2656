import { beforeAll, describe, expect, it } from 'vitest';
import {
	activeFilters,
	changeFilter,
	filterFromQuery,
	filterHref,
	filterProblem,
	filterToQuery,
	parseMinutes,
	sameFilter,
	sortField,
	teamLabel,
	teamOptions,
	toSearchQuery,
	type CallsFilter
} from './callsFilter';

beforeAll(() => {
	// Node re-reads TZ on assignment: local midnights below are New York's (with DST).
	process.env.TZ = 'America/New_York';
});

const every: CallsFilter = {
	q: 'dana & co/é',
	from: '2024-01-01',
	to: '2024-12-31',
	rep: '1000000000000000002',
	teamOf: '1000000000000000003',
	workspace: '5000000000000000001',
	direction: 'Inbound',
	minMinutes: 0.5,
	maxMinutes: 30,
	recording: 'no',
	tracker: '6100000000000000001',
	topic: 'Next steps',
	sort: 'oldest',
	cursor: 'eyJhIjoxfQ=='
};

describe('filter ↔ query string', () => {
	it('round-trips every field and combinations', () => {
		const filters: CallsFilter[] = [
			{},
			{ from: '2024-01-31' },
			{ to: '2024-02-29' },
			{ from: '2024-01-01', to: '2024-12-31', cursor: 'eyJhIjoxfQ==' },
			{ cursor: 'a b&c=d/é' },
			{ minMinutes: 0 },
			{ recording: 'yes', direction: 'Unknown' },
			every
		];
		for (const f of filters) {
			expect(filterFromQuery(new URLSearchParams(filterToQuery(f).toString()))).toEqual(f);
		}
	});

	it('writes keys in a fixed order and leaves empty ones out', () => {
		expect(filterToQuery({ cursor: 'c', to: '2024-01-02', from: '2024-01-01' }).toString()).toBe('from=2024-01-01&to=2024-01-02&cursor=c');
		expect(filterToQuery({ from: '', cursor: '', q: '  ', topic: '' }).toString()).toBe('');
		expect(filterToQuery(every).toString()).toBe(
			'q=dana+%26+co%2F%C3%A9&from=2024-01-01&to=2024-12-31&rep=1000000000000000002&teamOf=1000000000000000003&workspace=5000000000000000001&direction=Inbound&min=0.5&max=30&recording=no&tracker=6100000000000000001&topic=Next+steps&sort=oldest&cursor=eyJhIjoxfQ%3D%3D'
		);
		expect(filterHref('/calls', {})).toBe('/calls');
		expect(filterHref('/calls', { from: '2024-01-01' })).toBe('/calls?from=2024-01-01');
	});

	it('drops invalid values and unknown keys', () => {
		const q = new URLSearchParams(
			'from=2023-02-29&to=2024-13-01&cursor=&x=1&direction=inbound&min=-1&max=ten&recording=true&sort=newest&rep=abc&teamOf=x1&workspace=1.5&tracker=&q=%20%20&topic='
		);
		expect(filterFromQuery(q)).toEqual({});
		expect(filterFromQuery(new URLSearchParams('from=2024-02-29&to=24-1-1'))).toEqual({ from: '2024-02-29' });
		expect(filterFromQuery(new URLSearchParams('sort=newest&direction=Conference'))).toEqual({ direction: 'Conference' });
	});

	it('keeps what only the server can judge (a long search, any id)', () => {
		const long = 'x'.repeat(300);
		expect(filterFromQuery(new URLSearchParams({ q: long, workspace: '99' }))).toEqual({ q: long, workspace: '99' });
	});

	it('reads minutes', () => {
		expect(parseMinutes('2')).toBe(2);
		expect(parseMinutes(' 0.5 ')).toBe(0.5);
		expect(parseMinutes('')).toBeUndefined();
		expect(parseMinutes('1e3')).toBeUndefined();
		expect(parseMinutes('-2')).toBeUndefined();
		expect(parseMinutes(undefined)).toBeUndefined();
		expect(parseMinutes(null)).toBeUndefined();
		expect(parseMinutes(1.5)).toBe(1.5);
		expect(parseMinutes(-1)).toBeUndefined();
	});
});

describe('changing the filter', () => {
	it('drops the cursor when the filter changes, the sort included', () => {
		const paged: CallsFilter = { q: 'acme', cursor: 'abc' };
		expect(changeFilter(paged, { direction: 'Outbound' })).toEqual({ q: 'acme', direction: 'Outbound' });
		expect(changeFilter(paged, { sort: 'oldest' })).toEqual({ q: 'acme', sort: 'oldest' });
		expect(changeFilter(paged, { q: undefined })).toEqual({});
		// A change that leaves a field empty or invalid leaves it out.
		expect(changeFilter(paged, { q: '  ', topic: '' })).toEqual({});
	});

	it('compares filters without their cursor', () => {
		expect(sameFilter({ q: 'a', cursor: 'x' }, { q: 'a' })).toBe(true);
		expect(sameFilter({ q: 'a' }, { q: 'b' })).toBe(false);
		expect(sameFilter({}, { sort: 'oldest' })).toBe(false);
	});

	it('counts the active filters: dates as one, durations as one, not the sort or the page', () => {
		expect(activeFilters({})).toBe(0);
		expect(activeFilters({ sort: 'oldest', cursor: 'c' })).toBe(0);
		expect(activeFilters({ from: '2024-01-01', to: '2024-01-31', minMinutes: 0, maxMinutes: 5 })).toBe(2);
		expect(activeFilters({ teamOf: '1000000000000000003', sort: 'longest' })).toBe(1);
		expect(activeFilters(every)).toBe(10);
	});
});

describe('toSearchQuery', () => {
	it('sends local midnights; the last day is inclusive, toDateTime exclusive', () => {
		expect(toSearchQuery({ from: '2024-01-15', to: '2024-01-15' })).toEqual({
			fromDateTime: '2024-01-15T05:00:00.000Z',
			toDateTime: '2024-01-16T05:00:00.000Z'
		});
	});

	it('follows daylight saving time and month ends', () => {
		// DST starts 2024-03-10 in New York: midnight is -05:00 before, -04:00 after.
		expect(toSearchQuery({ from: '2024-03-10', to: '2024-03-31' })).toEqual({
			fromDateTime: '2024-03-10T05:00:00.000Z',
			toDateTime: '2024-04-01T04:00:00.000Z'
		});
		expect(toSearchQuery({ to: '2024-12-31', cursor: 'k' })).toEqual({ toDateTime: '2025-01-01T05:00:00.000Z', cursor: 'k' });
		expect(toSearchQuery({})).toEqual({});
	});

	it('maps every field to its parameter: minutes to seconds, yes/no to a boolean', () => {
		expect(toSearchQuery(every)).toEqual({
			fromDateTime: '2024-01-01T05:00:00.000Z',
			toDateTime: '2025-01-01T05:00:00.000Z',
			q: 'dana & co/é',
			primaryUserId: '1000000000000000002',
			teamOf: '1000000000000000003',
			workspaceId: '5000000000000000001',
			direction: 'Inbound',
			minDuration: 30,
			maxDuration: 1800,
			hasRecording: false,
			trackerId: '6100000000000000001',
			topic: 'Next steps',
			sort: 'oldest',
			cursor: 'eyJhIjoxfQ=='
		});
		expect(toSearchQuery({ recording: 'yes', minMinutes: 0 })).toEqual({ hasRecording: true, minDuration: 0 });
	});

	it('names a reversed range', () => {
		expect(filterProblem({ from: '2024-02-01', to: '2024-01-31' })).toMatch(/after/);
		expect(filterProblem({ from: '2024-02-01', to: '2024-02-01' })).toBeUndefined();
		expect(filterProblem({ from: '2024-02-01' })).toBeUndefined();
	});
});

describe('rep filter (Team drill-down)', () => {
	it('round-trips a rep id, sends it as primaryUserId, and drops anything that is not one', () => {
		const f = filterFromQuery(new URLSearchParams('from=2024-01-01&rep=1234567890123456789'));
		expect(f).toEqual({ from: '2024-01-01', rep: '1234567890123456789' });
		expect(filterToQuery(f).toString()).toBe('from=2024-01-01&rep=1234567890123456789');
		expect(toSearchQuery(f).primaryUserId).toBe('1234567890123456789');
		expect(filterFromQuery(new URLSearchParams('rep=abc')).rep).toBeUndefined();
		expect(filterFromQuery(new URLSearchParams('rep=')).rep).toBeUndefined();
	});
});

describe('sort', () => {
	it('round-trips oldest, longest and shortest; newest is the default and no parameter', () => {
		for (const sort of ['oldest', 'longest', 'shortest'] as const) {
			const f = filterFromQuery(new URLSearchParams(`direction=Inbound&sort=${sort}`));
			expect(f).toEqual({ direction: 'Inbound', sort });
			expect(filterToQuery(f).toString()).toBe(`direction=Inbound&sort=${sort}`);
			expect(toSearchQuery(f)).toEqual({ direction: 'Inbound', sort });
		}
		expect(filterFromQuery(new URLSearchParams('sort=newest'))).toEqual({});
		expect(filterFromQuery(new URLSearchParams('sort=Longest'))).toEqual({});
		expect(filterFromQuery(new URLSearchParams('sort=duration'))).toEqual({});
		expect(toSearchQuery({}).sort).toBeUndefined();
	});

	it('reads the select', () => {
		expect(sortField('newest')).toBeUndefined();
		expect(sortField('longest')).toBe('longest');
		expect(sortField('shortest')).toBe('shortest');
		expect(sortField('oldest')).toBe('oldest');
		expect(sortField('')).toBeUndefined();
		expect(sortField('biggest')).toBeUndefined();
	});

	it('changing the sort keeps the filters and goes back to the first page', () => {
		expect(changeFilter({ teamOf: '7', sort: 'oldest', cursor: 'c' }, { sort: 'longest' })).toEqual({ teamOf: '7', sort: 'longest' });
		expect(changeFilter({ q: 'x', sort: 'shortest' }, { sort: undefined })).toEqual({ q: 'x' });
		expect(sameFilter({ sort: 'longest' }, { sort: 'shortest' })).toBe(false);
	});
});

describe('team filter', () => {
	it('round-trips a manager id as teamOf, sends it as teamOf, and drops anything that is not one', () => {
		const f = filterFromQuery(new URLSearchParams('teamOf=1000000000000000002&sort=longest'));
		expect(f).toEqual({ teamOf: '1000000000000000002', sort: 'longest' });
		expect(filterToQuery(f).toString()).toBe('teamOf=1000000000000000002&sort=longest');
		expect(toSearchQuery(f)).toEqual({ teamOf: '1000000000000000002', sort: 'longest' });
		expect(filterFromQuery(new URLSearchParams('teamOf=abc')).teamOf).toBeUndefined();
		expect(filterFromQuery(new URLSearchParams('teamOf=')).teamOf).toBeUndefined();
		expect(filterFromQuery(new URLSearchParams('teamOf=-1')).teamOf).toBeUndefined();
	});

	it('is one filter, cleared like the others (clear filters keeps only the sort)', () => {
		const f: CallsFilter = { teamOf: '1000000000000000002', rep: '1000000000000000003', sort: 'shortest' };
		expect(activeFilters(f)).toBe(2);
		expect(filterHref('/calls', { sort: f.sort })).toBe('/calls?sort=shortest');
		expect(changeFilter(f, { teamOf: undefined })).toEqual({ rep: '1000000000000000003', sort: 'shortest' });
	});

	const u = (id: string, firstName: string, lastName: string, managerId: string | null = null, emailAddress = `${firstName.toLowerCase()}@example.com`) => ({
		id,
		firstName,
		lastName,
		emailAddress,
		managerId
	});

	it('offers a team for each user someone reports to, named "<manager>\'s team", by name', () => {
		const users = [
			u('1', 'Ada', 'Lovelace'),
			u('2', 'Grace', 'Hopper', '1'),
			u('3', 'Alan', 'Turing', '2'),
			u('4', 'Barbara', 'Liskov', '2'),
			u('5', 'Edsger', 'Dijkstra', '9'), // reports to someone the list does not hold
			u('6', '', '', '1', 'nameless@example.com')
		];
		expect(teamOptions(users)).toEqual([
			{ id: '1', label: "Ada Lovelace's team" },
			{ id: '2', label: "Grace Hopper's team" }
		]);
	});

	it('offers no team when nobody has a manager, and names a manager without a name by address', () => {
		expect(teamOptions([u('1', 'Ada', 'Lovelace'), u('2', 'Grace', 'Hopper')])).toEqual([]);
		expect(teamOptions([])).toEqual([]);
		expect(teamOptions([u('1', '', '', null, 'boss@example.com'), u('2', 'Grace', 'Hopper', '1')])).toEqual([{ id: '1', label: "boss@example.com's team" }]);
		expect(teamOptions([{ id: '1', firstName: 'Solo', managerId: '1' }])).toEqual([{ id: '1', label: "Solo's team" }]);
		expect(teamLabel('James')).toBe("James's team");
	});
});
