// Filling in a scorecard on the call page: the form's state per question, the body of
// POST /parley/v1/calls/{id}/scorecards, and how a saved answer reads. What is required,
// what a range allows and which options exist are checked by the server; its 400 names
// the question, and the page shows it.

import type { components } from './api/schema';

type QuestionWire = components['schemas']['QuestionWire'];
type AnswerInput = components['schemas']['AnswerInput'];
type AnswerWire = components['schemas']['AnswerWire'];

/** One question's answer as the form holds it (strings, as inputs give them). */
export interface DraftAnswer {
	/** Range: the chosen score, '' for none. */
	score: string;
	/** Single/multi-select and yes/no: the chosen option ids. */
	options: string[];
	/** Open-ended. */
	text: string;
}

export type Draft = Record<string, DraftAnswer>;

export function emptyDraft(questions: readonly QuestionWire[]): Draft {
	const d: Draft = {};
	for (const q of questions) d[q.questionId] = { score: '', options: [], text: '' };
	return d;
}

/** The draft of an answered scorecard (to edit it). */
export function draftOf(questions: readonly QuestionWire[], answers: readonly AnswerWire[]): Draft {
	const d = emptyDraft(questions);
	for (const a of answers) {
		const q = questions.find((x) => x.questionId === a.questionId);
		if (!q || a.notApplicable) continue;
		d[q.questionId] = {
			score: typeof a.score === 'number' ? String(a.score) : '',
			options: (a.selectedOptions ?? []).map((o) => q.answerOptions.find((x) => x.id === o || x.text === o)?.id ?? o),
			text: a.answerText ?? ''
		};
	}
	return d;
}

/** Whether a question takes a score, options (one or many) or text. */
export function answerKind(q: Pick<QuestionWire, 'questionType'>): 'range' | 'single' | 'multi' | 'text' {
	switch (q.questionType.toUpperCase()) {
		case 'RANGE':
			return 'range';
		case 'MULTI_SELECT':
			return 'multi';
		case 'SINGLE_SELECT':
		case 'YES_NO':
			return 'single';
		default:
			return 'text';
	}
}

/** The scores a range question offers as choices, when its bounds are given and few
 * enough to list (else the form has a number field). */
export function rangeChoices(q: Pick<QuestionWire, 'minRange' | 'maxRange'>, most = 20): number[] | undefined {
	const min = Number(q.minRange);
	const max = Number(q.maxRange);
	if (q.minRange == null || q.maxRange == null || !Number.isInteger(min) || !Number.isInteger(max) || max < min || max - min + 1 > most) {
		return undefined;
	}
	return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

/** The `answers` of the request: every question, a value when one was given, else not applicable. */
export function answersBody(questions: readonly QuestionWire[], draft: Draft): AnswerInput[] {
	return questions.map((q) => {
		const a = draft[q.questionId] ?? { score: '', options: [], text: '' };
		const na: AnswerInput = { questionId: q.questionId, notApplicable: true };
		switch (answerKind(q)) {
			case 'range': {
				const n = Number(a.score);
				return a.score.trim() !== '' && Number.isFinite(n) ? { questionId: q.questionId, score: Math.round(n) } : na;
			}
			case 'single':
			case 'multi':
				return a.options.length ? { questionId: q.questionId, selectedOptions: [...a.options] } : na;
			default:
				return a.text.trim() ? { questionId: q.questionId, answerText: a.text.trim() } : na;
		}
	});
}

/** A saved answer in words: "4 of 1–5", the chosen options, the text, or "N/A". */
export function answerSummary(q: QuestionWire | undefined, a: AnswerWire): string {
	if (a.notApplicable) return 'N/A';
	if (typeof a.score === 'number') return q?.minRange != null && q.maxRange != null ? `${a.score} of ${q.minRange}–${q.maxRange}` : String(a.score);
	if (a.selectedOptions?.length) return a.selectedOptions.map((o) => q?.answerOptions.find((x) => x.id === o)?.text ?? o).join(', ');
	if (a.answerText) return a.answerText;
	return 'N/A';
}

/** Whether the signed-in user is offered "Edit" and "Delete" on a filled scorecard: one they
 * reviewed, or any for an admin (the server's rule; it still decides). */
export function canChangeAnswered(a: { reviewerUserId: string }, me: { userId: string; role: string } | undefined): boolean {
	return !!me && (me.role === 'admin' || a.reviewerUserId === me.userId);
}
