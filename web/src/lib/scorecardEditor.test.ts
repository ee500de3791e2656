import { describe, expect, it } from 'vitest';
import type { components } from './api/schema';
import { emptyQuestion, emptyScorecardDraft, move, optionLines, scorecardBody, scorecardDraftOf } from './scorecardEditor';

type ScorecardWire = components['schemas']['ScorecardWire'];

const q = (over: Partial<ScorecardWire['questions'][number]>): ScorecardWire['questions'][number] => ({
	questionId: '11',
	questionRevisionId: '1',
	questionText: 'Q',
	isOverall: false,
	updaterUserId: '-1',
	questionType: 'OPEN_ENDED',
	answerOptions: [],
	isMandatory: false,
	created: '2026-01-01T00:00:00Z',
	updated: '2026-01-01T00:00:00Z',
	...over
});

const saved: ScorecardWire = {
	scorecardId: '900',
	scorecardName: 'Discovery',
	workspaceId: '7',
	enabled: false,
	updaterUserId: '1',
	created: '2026-01-01T00:00:00Z',
	updated: '2026-01-01T00:00:00Z',
	reviewMethod: 'AUTOMATIC',
	questions: [
		q({ questionId: '11', questionText: 'Overall?', questionType: 'RANGE', minRange: '1', maxRange: '10', isOverall: true, isMandatory: true }),
		q({ questionId: '12', questionText: 'Next step?', questionType: 'YES_NO', answerOptions: [{ id: '1', text: 'Yes' }, { id: '2', text: 'No' }] }),
		q({
			questionId: '13',
			questionText: 'Stage',
			questionType: 'SINGLE_SELECT',
			answerGuide: 'As agreed',
			answerOptions: [{ id: '3', text: 'Discovery' }, { id: '4', text: 'Demo' }]
		})
	]
};

describe('scorecardDraftOf', () => {
	it('reads a saved scorecard into the form', () => {
		const d = scorecardDraftOf(saved);
		expect(d.name).toBe('Discovery');
		expect(d.workspaceId).toBe('7');
		expect(d.enabled).toBe(false);
		expect(d.reviewMethod).toBe('AUTOMATIC');
		expect(d.questions.map((x) => [x.questionId, x.type, x.min, x.max, x.options, x.overall, x.mandatory, x.guide])).toEqual([
			['11', 'RANGE', '1', '10', '', true, true, ''],
			['12', 'YES_NO', '', '', '', false, false, ''],
			['13', 'SINGLE_SELECT', '', '', 'Discovery\nDemo', false, false, 'As agreed']
		]);
		expect(new Set(d.questions.map((x) => x.key)).size).toBe(3);
	});

	it('round-trips to an update body that keeps question ids and sends no yes/no options', () => {
		expect(scorecardBody(scorecardDraftOf(saved), 'update')).toEqual({
			scorecardName: 'Discovery',
			enabled: false,
			reviewMethod: 'AUTOMATIC',
			questions: [
				{ questionId: '11', questionText: 'Overall?', questionType: 'RANGE', isMandatory: true, isOverall: true, minRange: '1', maxRange: '10' },
				{ questionId: '12', questionText: 'Next step?', questionType: 'YES_NO' },
				{ questionId: '13', questionText: 'Stage', questionType: 'SINGLE_SELECT', answerGuide: 'As agreed', answerOptions: ['Discovery', 'Demo'] }
			]
		});
	});
});

describe('scorecardBody', () => {
	it('leaves empties out and sends the workspace of a new scorecard only', () => {
		const d = emptyScorecardDraft();
		d.name = '  Demo call ';
		d.workspaceId = '7';
		d.questions[0]!.text = ' How was it? ';
		d.questions[0]!.guide = '   ';
		d.questions[0]!.min = '';
		const body = scorecardBody(d, 'create');
		expect(body).toEqual({
			scorecardName: 'Demo call',
			workspaceId: '7',
			enabled: true,
			questions: [{ questionText: 'How was it?', questionType: 'RANGE', maxRange: '5' }]
		});
		expect(scorecardBody(d, 'update').workspaceId).toBeUndefined();
		d.workspaceId = '';
		expect(scorecardBody(d, 'create').workspaceId).toBeUndefined();
	});

	it('sends options of select questions only, one per non-blank line, and ranges of range questions only', () => {
		const d = emptyScorecardDraft();
		d.questions = [
			{ ...emptyQuestion('MULTI_SELECT'), text: 'Which', options: ' A \n\n B\n', min: '1' },
			{ ...emptyQuestion('OPEN_ENDED'), text: 'Notes', options: 'ignored', max: '9' }
		];
		expect(scorecardBody(d, 'create').questions).toEqual([
			{ questionText: 'Which', questionType: 'MULTI_SELECT', answerOptions: ['A', 'B'] },
			{ questionText: 'Notes', questionType: 'OPEN_ENDED' }
		]);
	});

	it('sends what is typed, however wrong: the server judges', () => {
		const d = emptyScorecardDraft();
		d.questions[0]!.min = 'low';
		d.questions.push(emptyQuestion('SINGLE_SELECT'));
		expect(scorecardBody(d, 'create')).toEqual({
			scorecardName: '',
			enabled: true,
			questions: [
				{ questionText: '', questionType: 'RANGE', minRange: 'low', maxRange: '5' },
				{ questionText: '', questionType: 'SINGLE_SELECT' }
			]
		});
	});
});

describe('helpers', () => {
	it('optionLines trims and drops blank lines', () => {
		expect(optionLines('a\n  \n b ')).toEqual(['a', 'b']);
		expect(optionLines('')).toEqual([]);
	});

	it('move swaps neighbours and refuses the ends', () => {
		const l = ['a', 'b', 'c'];
		expect(move(l, 0, -1)).toBe(false);
		expect(move(l, 2, 1)).toBe(false);
		expect(move(l, 2, -1)).toBe(true);
		expect(l).toEqual(['a', 'c', 'b']);
		expect(move(l, 0, 1)).toBe(true);
		expect(l).toEqual(['c', 'a', 'b']);
	});

	it('a new question is a 1–5 range; others have no range', () => {
		expect(emptyQuestion()).toMatchObject({ type: 'RANGE', min: '1', max: '5', questionId: '' });
		expect(emptyQuestion('YES_NO')).toMatchObject({ type: 'YES_NO', min: '', max: '' });
	});
});
