import { describe, expect, it } from 'vitest';
import { bucketLabel, bucketOf, bucketRange, describeTrend, labelEvery, linePath, niceScale, trendBuckets, trendSeries, xPositions, yOf, type UserPeriods } from './trend';

const days = (bs: { from: string; to: string; partial: boolean }[]) => bs.map((b) => `${b.from}..${b.to}${b.partial ? '*' : ''}`);

describe('trendBuckets', () => {
	it('weeks start on Monday; the first and last are clipped to the days asked for', () => {
		// 1 Mar 2024 is a Friday; 31 Mar a Sunday (toDate exclusive: 1 Apr).
		expect(days(trendBuckets('2024-03-01', '2024-04-01', 'WEEK'))).toEqual([
			'2024-03-01..2024-03-04*',
			'2024-03-04..2024-03-11',
			'2024-03-11..2024-03-18',
			'2024-03-18..2024-03-25',
			'2024-03-25..2024-04-01'
		]);
	});

	it('a range of whole weeks has no partial one', () => {
		expect(days(trendBuckets('2024-03-04', '2024-03-18', 'WEEK'))).toEqual(['2024-03-04..2024-03-11', '2024-03-11..2024-03-18']);
	});

	it('months start on the 1st, across a year end and a leap February', () => {
		expect(days(trendBuckets('2023-12-15', '2024-03-10', 'MONTH'))).toEqual([
			'2023-12-15..2024-01-01*',
			'2024-01-01..2024-02-01',
			'2024-02-01..2024-03-01',
			'2024-03-01..2024-03-10*'
		]);
	});

	it('one day, and an empty or reversed range', () => {
		expect(days(trendBuckets('2024-03-06', '2024-03-07', 'WEEK'))).toEqual(['2024-03-06..2024-03-07*']);
		expect(trendBuckets('2024-03-06', '2024-03-06', 'MONTH')).toEqual([]);
		expect(trendBuckets('2024-03-07', '2024-03-06', 'WEEK')).toEqual([]);
	});

	it('is cut at 400 periods', () => {
		expect(trendBuckets('1900-01-01', '2100-01-01', 'WEEK')).toHaveLength(400);
	});
});

describe('bucketOf', () => {
	const bs = trendBuckets('2024-03-01', '2024-04-01', 'WEEK');
	it('finds the period a day is in, edges included', () => {
		expect(bucketOf(bs, '2024-03-01')).toBe(0);
		expect(bucketOf(bs, '2024-03-03')).toBe(0);
		expect(bucketOf(bs, '2024-03-04')).toBe(1);
		expect(bucketOf(bs, '2024-03-31')).toBe(4);
	});
	it('-1 outside them', () => {
		expect(bucketOf(bs, '2024-02-29')).toBe(-1);
		expect(bucketOf(bs, '2024-04-01')).toBe(-1);
		expect(bucketOf([], '2024-04-01')).toBe(-1);
	});
});

describe('trendSeries', () => {
	const bs = trendBuckets('2024-03-01', '2024-03-18', 'WEEK'); // 3 buckets
	const p = (fromDate: string, callsAsHost: number, callsAttended = 0) => ({ fromDate, toDate: '', callsAsHost, callsAttended });
	const users: UserPeriods[] = [
		{ userId: 'a', userAggregateActivity: [p('2024-03-01T00:00:00-08:00', 1), p('2024-03-04T00:00:00-08:00', 3, 2), p('2024-03-11T00:00:00-07:00', 5)] },
		{ userId: 'b', userAggregateActivity: [p('2024-03-04T00:00:00Z', 2), p('2024-03-11T00:00:00Z', 0)] }
	];

	it('adds up every user per period for the team', () => {
		expect(trendSeries(users, bs, 'callsAsHost')).toEqual({ team: [1, 5, 5] });
		expect(trendSeries(users, bs, 'callsAttended').team).toEqual([0, 2, 0]);
	});

	it("picks out the chosen rep's; a rep without periods is all zeros", () => {
		expect(trendSeries(users, bs, 'callsAsHost', 'b')).toEqual({ team: [1, 5, 5], rep: [0, 2, 0] });
		expect(trendSeries(users, bs, 'callsAsHost', 'nobody').rep).toEqual([0, 0, 0]);
	});

	it('periods the API cut differently land in the bucket their first day is in; outside ones and junk are left out', () => {
		const odd: UserPeriods[] = [
			{
				userId: 'a',
				userAggregateActivity: [
					p('2024-03-05T00:00:00Z', 4), // mid-week: still the second week
					p('2024-02-20T00:00:00Z', 9), // before the range
					p('2024-03-18T00:00:00Z', 9), // after it
					{ fromDate: '2024-03-11', callsAsHost: Number.NaN },
					{ fromDate: '2024-03-11', callsAsHost: '3' }
				]
			}
		];
		expect(trendSeries(odd, bs, 'callsAsHost').team).toEqual([0, 4, 0]);
	});

	it('no users: zeros; no buckets: empty', () => {
		expect(trendSeries([], bs, 'callsAsHost').team).toEqual([0, 0, 0]);
		expect(trendSeries(users, [], 'callsAsHost').team).toEqual([]);
	});
});

describe('niceScale', () => {
	it('a round top and whole-number ticks of 1, 2 or 5 × 10ⁿ', () => {
		expect(niceScale(0)).toEqual({ top: 1, ticks: [0, 1] });
		expect(niceScale(3)).toEqual({ top: 3, ticks: [0, 1, 2, 3] });
		expect(niceScale(5)).toEqual({ top: 6, ticks: [0, 2, 4, 6] });
		expect(niceScale(12)).toEqual({ top: 15, ticks: [0, 5, 10, 15] });
		expect(niceScale(37)).toEqual({ top: 40, ticks: [0, 10, 20, 30, 40] });
		expect(niceScale(1234).top).toBe(1500);
		expect(niceScale(Number.NaN)).toEqual({ top: 1, ticks: [0, 1] });
	});
});

describe('layout', () => {
	const plot = { left: 40, right: 440, top: 10, bottom: 110 };

	it('spreads the points across the plot; one point sits in the middle', () => {
		expect(xPositions(0, plot)).toEqual([]);
		expect(xPositions(1, plot)).toEqual([240]);
		expect(xPositions(5, plot)).toEqual([40, 140, 240, 340, 440]);
	});

	it('y: 0 at the bottom, the top of the scale at the top, clamped', () => {
		expect(yOf(0, 10, plot)).toBe(110);
		expect(yOf(10, 10, plot)).toBe(10);
		expect(yOf(5, 10, plot)).toBe(60);
		expect(yOf(20, 10, plot)).toBe(10);
		expect(yOf(3, 0, plot)).toBe(110);
	});

	it('the line through the points', () => {
		expect(linePath([0, 10, 5], xPositions(3, plot), 10, plot)).toBe('M40,110L240,10L440,60');
		expect(linePath([], [], 10, plot)).toBe('');
		expect(linePath([1 / 3], [100], 1, plot)).toBe('M100,76.7');
	});

	it('thins out the x labels so that they do not overlap', () => {
		expect(labelEvery(5, 400)).toBe(1); // 100 px apart
		expect(labelEvery(14, 300)).toBe(3); // 23 px apart → every third
		expect(labelEvery(1, 300)).toBe(1);
		expect(labelEvery(10, 0)).toBe(1);
	});
});

describe('labels and words', () => {
	// Intl puts thin spaces around a range's dash.
	const spaced = (s: string) => s.replace(/\s/g, ' ');
	const [first, week] = trendBuckets('2024-03-01', '2024-03-18', 'WEEK');
	it('a week by its first day, a month by its name; the days in full', () => {
		expect(bucketLabel(week!, 'WEEK', 'en-GB')).toBe('4 Mar');
		expect(bucketLabel({ from: '2024-03-01', to: '2024-04-01', partial: false }, 'MONTH', 'en-GB')).toBe('Mar 2024');
		expect(spaced(bucketRange(week!, 'en-GB'))).toBe('4 – 10 Mar 2024');
		expect(spaced(bucketRange({ from: '2024-03-06', to: '2024-03-07', partial: true }, 'en-GB'))).toBe('6 Mar 2024');
		expect(spaced(bucketRange(first!, 'en-GB'))).toBe('1 – 3 Mar 2024');
		expect(spaced(bucketRange({ from: '2023-12-25', to: '2024-01-01', partial: false }, 'en-GB'))).toBe('25 – 31 Dec 2023');
		expect(spaced(bucketRange({ from: '2024-02-26', to: '2024-03-04', partial: false }, 'en-GB'))).toBe('26 Feb – 3 Mar 2024');
	});

	it('describes the team and the rep: totals, ranges, direction', () => {
		expect(describeTrend('Calls hosted', 'WEEK', { team: [1, 5, 5], rep: [0, 2, 0] }, 'Grace Hopper')).toBe(
			'Calls hosted per week, 3 weeks. Team: 11 in all, from 1 to 5, rising (1 in the first, 5 in the last). Grace Hopper: 2 in all, from 0 to 2, level (0 in the first, 0 in the last).'
		);
		expect(describeTrend('Calls attended', 'MONTH', { team: [4] })).toBe('Calls attended per month, 1 month. Team: 4.');
		expect(describeTrend('Calls hosted', 'MONTH', { team: [3, 1] })).toMatch(/falling/);
		expect(describeTrend('Calls hosted', 'WEEK', { team: [] })).toBe('Calls hosted: no periods to show.');
	});
});
