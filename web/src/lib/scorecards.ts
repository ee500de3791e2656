// The Scorecards page's averages over the answered scorecards of
// POST /v2/stats/activity/scorecards. A score is a range question's number; open-ended
// and select answers and "not applicable" ones have none and count in no average.

export interface AnswerLike {
	questionId: string;
	isOverall: boolean;
	score?: number | null;
	notApplicable: boolean;
}
export interface AnsweredLike {
	answeredScorecardId: string;
	scorecardId: string;
	answers: AnswerLike[];
}

function scores(answers: AnswerLike[]): number[] {
	return answers.filter((a) => !a.notApplicable && typeof a.score === 'number' && Number.isFinite(a.score)).map((a) => a.score as number);
}

function avg(v: number[]): number | undefined {
	return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
}

/** One answered scorecard's score: its overall question's when scored, else the mean of its scores. */
export function answeredScore(a: AnsweredLike): number | undefined {
	const overall = scores(a.answers.filter((x) => x.isOverall));
	return overall.length ? avg(overall) : avg(scores(a.answers));
}

export interface ScorecardAverage {
	scorecardId: string;
	/** Answered scorecards of it. */
	count: number;
	/** Of them, how many have a score. */
	scored: number;
	average?: number;
	/** Mean score per question id, for questions answered with a score at least once. */
	questions: Map<string, { average: number; count: number }>;
}

/** Per scorecard: how often it was filled and its average score, overall and per question. */
export function scorecardAverages(answered: AnsweredLike[]): Map<string, ScorecardAverage> {
	const out = new Map<string, ScorecardAverage>();
	const sums = new Map<string, Map<string, number[]>>();
	const overall = new Map<string, number[]>();
	for (const a of answered) {
		let s = out.get(a.scorecardId);
		if (!s) {
			s = { scorecardId: a.scorecardId, count: 0, scored: 0, questions: new Map() };
			out.set(a.scorecardId, s);
			sums.set(a.scorecardId, new Map());
			overall.set(a.scorecardId, []);
		}
		s.count++;
		const score = answeredScore(a);
		if (score !== undefined) {
			s.scored++;
			overall.get(a.scorecardId)!.push(score);
		}
		const q = sums.get(a.scorecardId)!;
		for (const ans of a.answers) {
			const v = scores([ans]);
			if (!v.length) continue;
			q.set(ans.questionId, [...(q.get(ans.questionId) ?? []), ...v]);
		}
	}
	for (const [id, s] of out) {
		s.average = avg(overall.get(id)!);
		for (const [qid, v] of sums.get(id)!) s.questions.set(qid, { average: avg(v)!, count: v.length });
	}
	return out;
}

/** "3.7" (one decimal), or "—". */
export function formatScore(v: number | undefined): string {
	return v === undefined || !Number.isFinite(v) ? '—' : (Math.round(v * 10) / 10).toFixed(1);
}

/** The scale of a range question ("1–5"), when both ends are numbers. */
export function scaleOf(minRange?: string | null, maxRange?: string | null): string | undefined {
	const lo = Number(minRange);
	const hi = Number(maxRange);
	return minRange != null && maxRange != null && minRange !== '' && maxRange !== '' && Number.isFinite(lo) && Number.isFinite(hi) ? `${lo}–${hi}` : undefined;
}
