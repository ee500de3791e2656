import { describe, expect, it } from 'vitest';
import type { components } from './api/schema';
import { hasSummary, highlightGroups, keyPoints, nextSteps, outlineGroups, statRows, talkBySpeaker, trackerRows } from './summary';

type Content = components['schemas']['Content'];
type PartyWire = components['schemas']['PartyWire'];

const content: Content = {
	brief: '  A short call.  ',
	keyPoints: [{ text: 'One' }, { text: '  ' }, { text: 'Two' }],
	pointsOfInterest: {
		actionItems: [
			{ snippetStartTime: 61.5, snippetEndTime: 70, speakerID: '11', snippet: 'Send the quote' },
			{ snippetStartTime: 80, snippetEndTime: 81, speakerID: '', snippet: ' ' }
		]
	},
	highlights: [
		{ title: 'Pricing', items: [{ text: 'Discount asked', startTimes: [12, 40] }, { text: 'No time', startTimes: [] }] },
		{ title: 'Empty', items: [] }
	],
	outline: [{ section: 'Intro', startTime: 0, duration: 30, items: [{ text: 'Hello', startTime: 2 }] }],
	trackers: [
		{ id: '1', name: 'Zeta', count: 1, type: 'KEYWORD', occurrences: [{ startTime: 5, speakerId: '11' }], phrases: [] },
		{ id: '2', name: 'Alpha', count: 3, type: 'KEYWORD', occurrences: [{ startTime: 9, speakerId: '11' }, { startTime: 2, speakerId: '12' }], phrases: [] },
		{ id: '3', name: 'Never', count: 0, type: 'KEYWORD', occurrences: [], phrases: [] },
		{ id: '4', name: 'Beta', count: 1, type: 'KEYWORD', phrases: [] }
	]
};

describe('statRows', () => {
	it('formats the server’s stats in its order, and the question counts', () => {
		const rows = statRows({
			interactionStats: [
				{ name: 'Talk Ratio', value: 0.434 },
				{ name: 'Longest Monologue', value: 95.2 },
				{ name: 'Interactivity', value: 6.04 },
				{ name: 'Patience', value: 1.26 },
				{ name: 'Question Rate', value: 12.34 },
				{ name: 'Something New', value: 1.23456 },
				{ name: 'Broken', value: NaN }
			],
			questions: { companyCount: 4, nonCompanyCount: 2 }
		});
		expect(rows.map((r) => [r.name, r.value])).toEqual([
			['Talk ratio', '43%'],
			['Longest monologue', '1:35'],
			['Interactivity', '6.0 / 10'],
			['Patience', '1.3 s'],
			['Question rate', '12.3 / h'],
			['Something New', '1.23'],
			['Questions', '4 company · 2 non-company']
		]);
	});

	it('is empty for a call without interaction data', () => {
		expect(statRows(undefined)).toEqual([]);
		expect(statRows(null)).toEqual([]);
		expect(statRows({ interactionStats: [], questions: null })).toEqual([]);
	});
});

describe('the summary sections', () => {
	it('next steps keep their moment and speaker; blank ones go', () => {
		expect(nextSteps(content, (id) => (id === '11' ? 'Rita Rep' : undefined))).toEqual([{ text: 'Send the quote', at: 61.5, speaker: 'Rita Rep' }]);
	});

	it('highlights list an item once per start time; empty sections go', () => {
		expect(highlightGroups(content)).toEqual([
			{
				title: 'Pricing',
				items: [{ text: 'Discount asked', at: 12 }, { text: 'Discount asked', at: 40 }, { text: 'No time' }]
			}
		]);
	});

	it('the outline keeps sections and items with their times', () => {
		expect(outlineGroups(content)).toEqual([{ title: 'Intro', at: 0, items: [{ text: 'Hello', at: 2 }] }]);
	});

	it('key points without blanks', () => {
		expect(keyPoints(content).map((k) => k.text)).toEqual(['One', 'Two']);
	});

	it('trackers that fired, most frequent first, occurrences sorted', () => {
		expect(trackerRows(content)).toEqual([
			{ name: 'Alpha', count: 3, times: [2, 9] },
			{ name: 'Beta', count: 1, times: [] },
			{ name: 'Zeta', count: 1, times: [5] }
		]);
	});

	it('missing content gives nothing, and no summary', () => {
		for (const c of [undefined, null, {}, { brief: null, trackers: [], topics: [], pointsOfInterest: { actionItems: [] } }] as (Content | null | undefined)[]) {
			expect(nextSteps(c)).toEqual([]);
			expect(highlightGroups(c)).toEqual([]);
			expect(outlineGroups(c)).toEqual([]);
			expect(trackerRows(c)).toEqual([]);
			expect(hasSummary(c, { interactionStats: [] })).toBe(false);
		}
		expect(hasSummary(content, undefined)).toBe(true);
		expect(hasSummary({ brief: 'x' }, undefined)).toBe(true);
	});
});

describe('talkBySpeaker', () => {
	it('maps the server’s per-party talk time to the parties’ speaker ids', () => {
		const party = (id: string, speakerId: string | null): PartyWire => ({ id, speakerId, context: [], affiliation: 'Internal', methods: [] });
		const m = talkBySpeaker(
			{ speakers: [{ id: '1', talkTime: 30 }, { id: '2', talkTime: 12.5 }, { id: '3', talkTime: 4 }] },
			[party('1', '11'), party('2', '12'), party('3', null)]
		);
		expect([...m]).toEqual([
			['11', 30],
			['12', 12.5]
		]);
		expect(talkBySpeaker(undefined, []).size).toBe(0);
	});
});
