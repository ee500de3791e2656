import { describe, expect, it } from 'vitest';
import { answerKind, answerSummary, answersBody, canChangeAnswered, draftOf, emptyDraft, rangeChoices } from './scorecardForm';

const q = (questionId: string, questionType: string, extra: object = {}) => ({
	questionId, questionRevisionId: questionId, questionText: `Q${questionId}`, isOverall: false, updaterUserId: '1', questionType,
	minRange: null, maxRange: null, answerOptions: [], isMandatory: false, created: '', updated: '', ...extra
});
const questions = [
	q('1', 'RANGE', { minRange: '1', maxRange: '5', isOverall: true }),
	q('2', 'MULTI_SELECT', { answerOptions: [{ id: '10', text: 'Budget' }, { id: '11', text: 'Authority' }] }),
	q('3', 'YES_NO', { answerOptions: [{ id: '20', text: 'Yes' }, { id: '21', text: 'No' }] }),
	q('4', 'OPEN_ENDED')
];

describe('scorecard form', () => {
	it('kinds of answer per question type', () => {
		expect(questions.map(answerKind)).toEqual(['range', 'multi', 'single', 'text']);
		expect(answerKind({ questionType: 'single_select' })).toBe('single');
	});
	it('lists a small range, not a missing or huge one', () => {
		expect(rangeChoices(questions[0]!)).toEqual([1, 2, 3, 4, 5]);
		expect(rangeChoices({ minRange: null, maxRange: '5' })).toBeUndefined();
		expect(rangeChoices({ minRange: '1', maxRange: '50' })).toBeUndefined();
		expect(rangeChoices({ minRange: '5', maxRange: '1' })).toBeUndefined();
	});
	it('an empty form is all not applicable', () => {
		expect(answersBody(questions, emptyDraft(questions))).toEqual(questions.map((x) => ({ questionId: x.questionId, notApplicable: true })));
	});
	it('sends a score, option ids and trimmed text', () => {
		const d = emptyDraft(questions);
		d['1'] = { score: '4', options: [], text: '' };
		d['2'] = { score: '', options: ['10', '11'], text: '' };
		d['3'] = { score: '', options: ['20'], text: '' };
		d['4'] = { score: '', options: [], text: '  Ask about budget.  ' };
		expect(answersBody(questions, d)).toEqual([
			{ questionId: '1', score: 4 },
			{ questionId: '2', selectedOptions: ['10', '11'] },
			{ questionId: '3', selectedOptions: ['20'] },
			{ questionId: '4', answerText: 'Ask about budget.' }
		]);
	});
	it('reads a saved scorecard back into a draft and into words', () => {
		const saved = [
			{ questionId: '1', questionRevisionId: '1', isOverall: true, score: 3, notApplicable: false },
			{ questionId: '2', questionRevisionId: '2', isOverall: false, selectedOptions: ['Budget'], notApplicable: false },
			{ questionId: '4', questionRevisionId: '4', isOverall: false, notApplicable: true }
		];
		const d = draftOf(questions, saved);
		expect(d['1']!.score).toBe('3');
		expect(d['2']!.options).toEqual(['10']);
		expect(d['4']!.text).toBe('');
		expect(answerSummary(questions[0], saved[0]!)).toBe('3 of 1–5');
		expect(answerSummary(questions[1], { ...saved[1]!, selectedOptions: ['10', '11'] })).toBe('Budget, Authority');
		expect(answerSummary(questions[3], saved[2]!)).toBe('N/A');
		expect(answerSummary(undefined, { ...saved[2]!, notApplicable: false, answerText: 'Good' })).toBe('Good');
	});
	it('a saved scorecard read back and sent again gives the same answers (editing it)', () => {
		const saved = [
			{ questionId: '1', questionRevisionId: '1', isOverall: true, score: 2, notApplicable: false, selectedOptions: null, answerText: null },
			{ questionId: '2', questionRevisionId: '2', isOverall: false, score: null, selectedOptions: ['11', 'Budget'], notApplicable: false, answerText: null },
			{ questionId: '3', questionRevisionId: '3', isOverall: false, score: null, selectedOptions: ['21'], notApplicable: false, answerText: null },
			{ questionId: '4', questionRevisionId: '4', isOverall: false, score: null, answerText: 'Ask who signs.', notApplicable: false, selectedOptions: null },
			{ questionId: '99', questionRevisionId: '99', isOverall: false, score: 5, notApplicable: false }
		];
		const d = draftOf(questions, saved);
		expect(d).toEqual({
			'1': { score: '2', options: [], text: '' },
			'2': { score: '', options: ['11', '10'], text: '' },
			'3': { score: '', options: ['21'], text: '' },
			'4': { score: '', options: [], text: 'Ask who signs.' }
		});
		expect(answersBody(questions, d)).toEqual([
			{ questionId: '1', score: 2 },
			{ questionId: '2', selectedOptions: ['11', '10'] },
			{ questionId: '3', selectedOptions: ['21'] },
			{ questionId: '4', answerText: 'Ask who signs.' }
		]);
		// A question left unanswered stays not applicable.
		expect(answersBody(questions, draftOf(questions, saved.slice(0, 1)))[3]).toEqual({ questionId: '4', notApplicable: true });
	});
	it('offers Edit and Delete to the reviewer and to admins', () => {
		expect(canChangeAnswered({ reviewerUserId: '1' }, { userId: '1', role: 'member' })).toBe(true);
		expect(canChangeAnswered({ reviewerUserId: '2' }, { userId: '1', role: 'manager' })).toBe(false);
		expect(canChangeAnswered({ reviewerUserId: '2' }, { userId: '1', role: 'admin' })).toBe(true);
		expect(canChangeAnswered({ reviewerUserId: '1' }, undefined)).toBe(false);
	});
});
