// Defining a scorecard on the Scorecards page: a saved scorecard → the form's state (to
// edit it), and the form's state → the body of `POST /parley/v1/scorecards` or
// `PUT /parley/v1/scorecards/{id}`. The form only collects: what is required, ranges,
// option counts and the one overall question are checked by the server, whose 400 names
// the field ("questions[1].answerOptions: …") and is shown under the form.

import type { components } from './api/schema';

type ScorecardWire = components['schemas']['ScorecardWire'];
type ScorecardInput = components['schemas']['ScorecardInput'];
type QuestionInput = components['schemas']['QuestionInput'];

export const QUESTION_TYPES = [
	{ value: 'RANGE', label: 'Range (a score)' },
	{ value: 'YES_NO', label: 'Yes/No' },
	{ value: 'SINGLE_SELECT', label: 'Single select' },
	{ value: 'MULTI_SELECT', label: 'Multi-select' },
	{ value: 'OPEN_ENDED', label: 'Open-ended' }
] as const;

export interface QuestionDraft {
	/** A key for the list (stable while questions move). */
	key: string;
	/** The saved question's id (kept on a PUT so its answers stay with it); '' for a new one. */
	questionId: string;
	text: string;
	type: string;
	mandatory: boolean;
	overall: boolean;
	guide: string;
	/** Range questions: the ends as typed. */
	min: string;
	max: string;
	/** Select questions: one option per line. */
	options: string;
}

export interface ScorecardDraft {
	name: string;
	/** '' for the default workspace (a new scorecard only: a scorecard cannot move). */
	workspaceId: string;
	enabled: boolean;
	/** Not in the form: a saved scorecard's, sent back so an edit keeps it (the server's
	 * default is MANUAL); '' for a new one. */
	reviewMethod: string;
	questions: QuestionDraft[];
}

let keys = 0;
const nextKey = () => `q${++keys}`;

export function emptyQuestion(type = 'RANGE'): QuestionDraft {
	return {
		key: nextKey(),
		questionId: '',
		text: '',
		type,
		mandatory: false,
		overall: false,
		guide: '',
		min: type === 'RANGE' ? '1' : '',
		max: type === 'RANGE' ? '5' : '',
		options: ''
	};
}

export function emptyScorecardDraft(): ScorecardDraft {
	return { name: '', workspaceId: '', enabled: true, reviewMethod: '', questions: [emptyQuestion()] };
}

const isSelect = (t: string) => t === 'SINGLE_SELECT' || t === 'MULTI_SELECT';

/** The form's state of a saved scorecard. */
export function scorecardDraftOf(s: ScorecardWire): ScorecardDraft {
	return {
		name: s.scorecardName,
		workspaceId: s.workspaceId,
		enabled: s.enabled,
		reviewMethod: s.reviewMethod,
		questions: s.questions.map((q) => ({
			key: nextKey(),
			questionId: q.questionId,
			text: q.questionText,
			type: q.questionType,
			mandatory: q.isMandatory,
			overall: q.isOverall,
			guide: q.answerGuide ?? '',
			min: q.questionType === 'RANGE' ? (q.minRange ?? '') : '',
			max: q.questionType === 'RANGE' ? (q.maxRange ?? '') : '',
			// Yes/No's options are the server's own ("Yes", "No"): never sent back.
			options: isSelect(q.questionType) ? q.answerOptions.map((o) => o.text).join('\n') : ''
		}))
	};
}

/** The options typed, one per line; blank lines dropped. */
export function optionLines(text: string): string[] {
	return text
		.split('\n')
		.map((l) => l.trim())
		.filter((l) => l !== '');
}

function questionBody(q: QuestionDraft): QuestionInput {
	const out: QuestionInput = { questionText: q.text.trim(), questionType: q.type };
	if (q.questionId) out.questionId = q.questionId;
	if (q.mandatory) out.isMandatory = true;
	if (q.overall) out.isOverall = true;
	if (q.guide.trim()) out.answerGuide = q.guide.trim();
	if (q.type === 'RANGE') {
		if (q.min.trim()) out.minRange = q.min.trim();
		if (q.max.trim()) out.maxRange = q.max.trim();
	}
	if (isSelect(q.type)) {
		const options = optionLines(q.options);
		if (options.length) out.answerOptions = options;
	}
	return out;
}

/**
 * The body of a create (`workspaceId` when one was chosen) or an update (no workspace:
 * the scorecard keeps its own). Empty fields are left out; questions in the form's order.
 */
export function scorecardBody(d: ScorecardDraft, mode: 'create' | 'update'): ScorecardInput {
	const out: ScorecardInput = {
		scorecardName: d.name.trim(),
		enabled: d.enabled,
		questions: d.questions.map(questionBody)
	};
	if (mode === 'create' && d.workspaceId) out.workspaceId = d.workspaceId;
	if (d.reviewMethod) out.reviewMethod = d.reviewMethod;
	return out;
}

/** Moves item `i` by `by` (−1 up, +1 down) in place; false when it cannot move. */
export function move<T>(list: T[], i: number, by: -1 | 1): boolean {
	const j = i + by;
	if (i < 0 || i >= list.length || j < 0 || j >= list.length) return false;
	const [x] = list.splice(i, 1) as [T];
	list.splice(j, 0, x);
	return true;
}
