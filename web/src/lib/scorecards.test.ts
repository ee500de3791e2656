import { describe, expect, it } from 'vitest';
import { answeredScore, formatScore, scaleOf, scorecardAverages } from './scorecards';

const ans = (questionId: string, score: number | null, isOverall = false, notApplicable = false) => ({ questionId, score, isOverall, notApplicable });

describe('scorecard averages', () => {
	it('scores an answered scorecard by its overall question, else the mean of its scores', () => {
		expect(answeredScore({ answeredScorecardId: 'a', scorecardId: '1', answers: [ans('q1', 4, true), ans('q2', 1)] })).toBe(4);
		expect(answeredScore({ answeredScorecardId: 'a', scorecardId: '1', answers: [ans('q1', null, true), ans('q2', 2), ans('q3', 3)] })).toBe(2.5);
		expect(answeredScore({ answeredScorecardId: 'a', scorecardId: '1', answers: [ans('q2', 5, false, true), ans('q3', null)] })).toBeUndefined();
	});

	it('averages per scorecard and per question, leaving out N/A and unscored answers', () => {
		const m = scorecardAverages([
			{ answeredScorecardId: 'a', scorecardId: '1', answers: [ans('o', 4, true), ans('q', 2)] },
			{ answeredScorecardId: 'b', scorecardId: '1', answers: [ans('o', 3, true), ans('q', 5, false, true)] },
			{ answeredScorecardId: 'c', scorecardId: '1', answers: [ans('t', null)] },
			{ answeredScorecardId: 'd', scorecardId: '2', answers: [ans('x', 1)] }
		]);
		const one = m.get('1')!;
		expect(one.count).toBe(3);
		expect(one.scored).toBe(2);
		expect(one.average).toBe(3.5);
		expect(one.questions.get('o')).toEqual({ average: 3.5, count: 2 });
		expect(one.questions.get('q')).toEqual({ average: 2, count: 1 });
		expect(one.questions.has('t')).toBe(false);
		expect(m.get('2')!.average).toBe(1);
		expect(scorecardAverages([]).size).toBe(0);
	});

	it('formats scores and scales', () => {
		expect(formatScore(3.666)).toBe('3.7');
		expect(formatScore(undefined)).toBe('—');
		expect(scaleOf('1', '5')).toBe('1–5');
		expect(scaleOf(null, '5')).toBeUndefined();
		expect(scaleOf('', '')).toBeUndefined();
	});
});
