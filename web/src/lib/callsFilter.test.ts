import { beforeAll, describe, expect, it } from 'vitest';
import { filterFromQuery, filterHref, filterProblem, filterToQuery, toExtensiveFilter, toListCallsQuery, type CallsFilter } from './callsFilter';

beforeAll(() => {
	// Node re-reads TZ on assignment: local midnights below are New York's (with DST).
	process.env.TZ = 'America/New_York';
});

describe('filter ↔ query string', () => {
	it('round-trips every combination', () => {
		const filters: CallsFilter[] = [
			{},
			{ from: '2024-01-31' },
			{ to: '2024-02-29' },
			{ from: '2024-01-01', to: '2024-12-31', cursor: 'eyJhIjoxfQ==' },
			{ cursor: 'a b&c=d/é' }
		];
		for (const f of filters) {
			expect(filterFromQuery(new URLSearchParams(filterToQuery(f).toString()))).toEqual(f);
		}
	});

	it('writes keys in a fixed order and leaves empty ones out', () => {
		expect(filterToQuery({ cursor: 'c', to: '2024-01-02', from: '2024-01-01' }).toString()).toBe(
			'from=2024-01-01&to=2024-01-02&cursor=c'
		);
		expect(filterToQuery({ from: '', cursor: '' }).toString()).toBe('');
		expect(filterHref('/calls', {})).toBe('/calls');
		expect(filterHref('/calls', { from: '2024-01-01' })).toBe('/calls?from=2024-01-01');
	});

	it('drops what is not a real day, and unknown keys', () => {
		const q = new URLSearchParams('from=2023-02-29&to=2024-13-01&cursor=&x=1');
		expect(filterFromQuery(q)).toEqual({});
		expect(filterFromQuery(new URLSearchParams('from=2024-02-29&to=24-1-1'))).toEqual({ from: '2024-02-29' });
	});
});

describe('toListCallsQuery', () => {
	it('sends local midnights; the last day is inclusive, toDateTime exclusive', () => {
		expect(toListCallsQuery({ from: '2024-01-15', to: '2024-01-15' })).toEqual({
			fromDateTime: '2024-01-15T05:00:00.000Z',
			toDateTime: '2024-01-16T05:00:00.000Z'
		});
	});

	it('follows daylight saving time and month ends', () => {
		// DST starts 2024-03-10 in New York: midnight is -05:00 before, -04:00 after.
		expect(toListCallsQuery({ from: '2024-03-10', to: '2024-03-31' })).toEqual({
			fromDateTime: '2024-03-10T05:00:00.000Z',
			toDateTime: '2024-04-01T04:00:00.000Z'
		});
		expect(toListCallsQuery({ to: '2024-12-31', cursor: 'k' })).toEqual({
			toDateTime: '2025-01-01T05:00:00.000Z',
			cursor: 'k'
		});
		expect(toListCallsQuery({})).toEqual({});
	});

	it('names a reversed range', () => {
		expect(filterProblem({ from: '2024-02-01', to: '2024-01-31' })).toMatch(/after/);
		expect(filterProblem({ from: '2024-02-01', to: '2024-02-01' })).toBeUndefined();
		expect(filterProblem({ from: '2024-02-01' })).toBeUndefined();
	});
});

describe('rep filter (Team drill-down)', () => {
	it('round-trips a rep id and drops anything that is not one', () => {
		const f = filterFromQuery(new URLSearchParams('from=2024-01-01&rep=1234567890123456789'));
		expect(f).toEqual({ from: '2024-01-01', rep: '1234567890123456789' });
		expect(filterToQuery(f).toString()).toBe('from=2024-01-01&rep=1234567890123456789');
		expect(filterFromQuery(new URLSearchParams('rep=abc')).rep).toBeUndefined();
		expect(filterFromQuery(new URLSearchParams('rep=')).rep).toBeUndefined();
	});

	it('asks /v2/calls/extensive for the rep as primary user with the same dates', () => {
		expect(toExtensiveFilter({ from: '2024-01-01', to: '2024-01-31', rep: '7', cursor: 'c' })).toEqual({
			fromDateTime: toListCallsQuery({ from: '2024-01-01' }).fromDateTime,
			toDateTime: toListCallsQuery({ to: '2024-01-31' }).toDateTime,
			primaryUserIds: ['7']
		});
		expect(toExtensiveFilter({})).toEqual({});
	});
});
