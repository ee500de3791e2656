import { describe, expect, it } from 'vitest';
import { INTERACTION_METRICS, buildRows, classify, describeRange, formatStat, mean, niceCeil, sortRows, strip } from './teamStats';

const talk = INTERACTION_METRICS.find((m) => m.name === 'Talk Ratio')!;
const patience = INTERACTION_METRICS.find((m) => m.name === 'Patience')!;

const interaction = [
	{ userId: '2', userEmailAddress: 'bo@x', personInteractionStats: [{ name: 'Talk Ratio', value: 0.7 }, { name: 'Patience', value: 0.4 }] },
	{ userId: '1', userEmailAddress: 'al@x', personInteractionStats: [{ name: 'Talk Ratio', value: 0.43 }, { name: 'Patience', value: 2 }] }
];
const activity = [
	{ userId: '1', userEmailAddress: 'al@x', userAggregateActivityStats: { callsAsHost: 4 } },
	{ userId: '3', userEmailAddress: 'cy@x', userAggregateActivityStats: { callsAsHost: 9 } }
];
const users = [
	{ id: '1', firstName: 'Al', lastName: 'Alpha' },
	{ id: '2', firstName: 'Bo', lastName: 'Beta' }
];

describe('team stats', () => {
	it('joins both answers per rep and names them (email when the user is unknown)', () => {
		const rows = buildRows(interaction, activity, users);
		expect(rows.map((r) => r.name)).toEqual(['Al Alpha', 'Bo Beta', 'cy@x']);
		expect(rows[0]!.stats['Talk Ratio']).toBe(0.43);
		expect(rows[0]!.activity.callsAsHost).toBe(4);
		expect(rows[1]!.activity.callsAsHost).toBeUndefined();
		expect(rows[2]!.stats['Talk Ratio']).toBeUndefined();
	});

	it('sorts by a column both ways, reps without a value last', () => {
		const rows = buildRows(interaction, activity, users);
		expect(sortRows(rows, 'stat:Talk Ratio', 'asc').map((r) => r.userId)).toEqual(['1', '2', '3']);
		expect(sortRows(rows, 'stat:Talk Ratio', 'desc').map((r) => r.userId)).toEqual(['2', '1', '3']);
		expect(sortRows(rows, 'activity:callsAsHost', 'desc').map((r) => r.userId)).toEqual(['3', '1', '2']);
		expect(sortRows(rows, 'name', 'desc').map((r) => r.userId)).toEqual(['3', '2', '1']);
	});

	it('formats each unit', () => {
		expect(formatStat('ratio', 0.4349)).toBe('43%');
		expect(formatStat('seconds', 1.46)).toBe('1.5 s');
		expect(formatStat('seconds', 65.4)).toBe('1 min 5 s');
		expect(formatStat('score', 7.25)).toBe('7.3');
		expect(formatStat('perHour', 12)).toBe('12.0/h');
		expect(formatStat('ratio', undefined)).toBe('—');
		expect(formatStat('score', Number.NaN)).toBe('—');
	});

	it('classifies against open and closed ranges', () => {
		expect(classify(0.43, talk.range)).toBe('within');
		expect(classify(0.65, talk.range)).toBe('within');
		expect(classify(0.66, talk.range)).toBe('above');
		expect(classify(0.3, patience.range)).toBe('below');
		expect(classify(1.5, patience.range)).toBe('within');
		expect(classify(3, { min: 1, max: 2, source: '' })).toBe('above');
		expect(classify(undefined, talk.range)).toBeUndefined();
		expect(classify(0.5, undefined)).toBeUndefined();
		expect(describeRange('ratio', talk.range!)).toBe('at most 65%');
		expect(describeRange('seconds', patience.range!)).toBe('at least 1.5 s');
		expect(describeRange('ratio', { min: 0.4, max: 0.5, source: '' })).toBe('40%–50%');
		// every range says where it comes from
		for (const m of INTERACTION_METRICS) if (m.range) expect(m.range.source).toMatch(/Gong Labs/);
	});

	it('lays out a distribution strip with band, target and average', () => {
		const s = strip([0.2, 0.7], 'ratio', talk.range)!;
		expect(s.lo).toBe(0);
		expect(s.hi).toBe(1);
		expect(s.points.map((p) => p.x)).toEqual([20, 70]);
		expect(s.band).toEqual({ x0: 0, x1: 65 });
		expect(s.target).toBeCloseTo(43);
		expect(s.average).toBeCloseTo(45);
		const p = strip([0.5, 3.2], 'seconds', patience.range)!;
		expect(p.hi).toBe(5);
		expect(p.band!.x0).toBeCloseTo(30);
		expect(p.band!.x1).toBe(100);
		expect(strip([], 'score')).toBeUndefined();
		expect(strip([0, 0], 'score')!.hi).toBe(1);
		expect(strip([4], 'score')!.band).toBeUndefined();
	});

	it('rounds axes up and averages', () => {
		expect([0.7, 1, 3.2, 7, 12, 240].map(niceCeil)).toEqual([1, 1, 5, 10, 20, 250]);
		expect(mean([1, 2, 6])).toBe(3);
		expect(mean([])).toBeUndefined();
	});
});
