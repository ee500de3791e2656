import { describe, expect, it } from 'vitest';
import { ApiError, createApi } from './api/client';
import { storageSession } from './api/session';
import { statRows } from './summary';
import { averageNotes, averagesCaption, averagesPeriod, fetchTeamAverages, hasAverages, type TeamInteractionAverages } from './teamAverages';

const averages: TeamInteractionAverages = {
	requestId: 'r1',
	fromDateTime: '2023-12-05T00:00:00Z',
	toDateTime: '2024-03-05T00:00:00Z',
	users: 4,
	calls: 37,
	interactionStats: [
		{ name: 'Talk Ratio', value: 0.46 },
		{ name: 'Longest Monologue', value: 71.3 },
		{ name: 'Interactivity', value: 7.26 },
		{ name: 'Patience', value: 1.05 },
		{ name: 'Question Rate', value: 11.8 },
		{ name: 'Something New', value: 2 }
	]
};

const rows = statRows({
	interactionStats: [
		{ name: 'Talk Ratio', value: 0.52 },
		{ name: 'Longest Monologue', value: 5.5 },
		{ name: 'Longest Customer Story', value: 4.1 },
		{ name: 'Interactivity', value: 7.25 },
		{ name: 'Patience', value: 0.8 }
	],
	questions: { companyCount: 1, nonCompanyCount: 0 }
});

describe('averagesPeriod', () => {
	it('is the 90 days before the call, its own day included (toDate exclusive)', () => {
		expect(averagesPeriod('2024-03-04T15:00:00Z')).toEqual({ fromDate: '2023-12-05', toDate: '2024-03-05' });
		// The date as the server wrote it (the company's offset), not as UTC.
		expect(averagesPeriod('2024-03-04T23:30:00-08:00')).toEqual({ fromDate: '2023-12-05', toDate: '2024-03-05' });
		expect(averagesPeriod('2024-12-31T09:00:00+01:00', 1)).toEqual({ fromDate: '2024-12-30', toDate: '2025-01-01' });
		expect(averagesPeriod('2024-03-01T00:00:00Z', 1)).toEqual({ fromDate: '2024-02-29', toDate: '2024-03-02' });
	});

	it('is nothing without a start', () => {
		expect(averagesPeriod(null)).toBeUndefined();
		expect(averagesPeriod(undefined)).toBeUndefined();
		expect(averagesPeriod('')).toBeUndefined();
		expect(averagesPeriod('yesterday')).toBeUndefined();
	});
});

describe('averageNotes', () => {
	it("matches the call's stats by the server's name, formatted alike, with the side it is on", () => {
		const notes = averageNotes(rows, averages);
		expect([...notes.keys()]).toEqual(['Talk Ratio', 'Longest Monologue', 'Interactivity', 'Patience']);
		expect(notes.get('Talk Ratio')).toEqual({ text: 'Team avg 46%', direction: 'higher', spoken: 'higher than the team average, 46%' });
		expect(notes.get('Longest Monologue')).toEqual({ text: 'Team avg 1:11', direction: 'lower', spoken: 'lower than the team average, 1:11' });
		// 7.25 and 7.26 both show as 7.3: the same, as far as anyone can see.
		expect(notes.get('Interactivity')).toEqual({ text: 'Team avg 7.3 / 10', direction: 'same', spoken: 'the same as the team average, 7.3 / 10' });
		expect(notes.get('Patience')?.direction).toBe('lower');
	});

	it('is empty for no averages, an empty period, or stats the call does not have', () => {
		expect(averageNotes(rows, undefined).size).toBe(0);
		expect(averageNotes(rows, { ...averages, users: 0, calls: 0, interactionStats: [] }).size).toBe(0);
		expect(averageNotes([], averages).size).toBe(0);
		expect(averageNotes(rows, { ...averages, interactionStats: [{ name: 'Question Rate', value: 3 }] }).size).toBe(0);
	});
});

describe('averagesCaption', () => {
	it('says how many calls of how many reps, and the first and last days', () => {
		expect(averagesCaption(averages, 'en-GB')).toBe('Team average, 37 calls of 4 reps, 5 Dec 2023–4 Mar 2024');
		expect(averagesCaption({ ...averages, users: 1, calls: 1 }, 'en-GB')).toBe('Team average, 1 call of 1 rep, 5 Dec 2023–4 Mar 2024');
		// The company's offset is the dates' own.
		expect(averagesCaption({ ...averages, fromDateTime: '2023-12-05T00:00:00-08:00', toDateTime: '2024-03-05T00:00:00-08:00' }, 'en-GB')).toBe(
			'Team average, 37 calls of 4 reps, 5 Dec 2023–4 Mar 2024'
		);
	});

	it('is nothing for an empty period', () => {
		expect(averagesCaption({ ...averages, users: 0, calls: 0, interactionStats: [] })).toBeUndefined();
		expect(averagesCaption(undefined)).toBeUndefined();
		expect(hasAverages({ ...averages, interactionStats: [{ name: 'Talk Ratio', value: NaN }] })).toBe(false);
	});
});

describe('fetchTeamAverages', () => {
	function apiAnswering(status: number, body: unknown) {
		const seen: string[] = [];
		const api = createApi({
			session: storageSession(localStorage),
			onUnauthorized: () => {},
			baseUrl: 'http://parley.test',
			fetch: async (input: RequestInfo | URL) => {
				seen.push((input as Request).url);
				return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
			}
		});
		return { api, seen };
	}

	it('asks for the 90 days before the call', async () => {
		const { api, seen } = apiAnswering(200, averages);
		expect(await fetchTeamAverages(api, '2024-03-04T15:00:00Z')).toEqual(averages);
		expect(seen).toEqual(['http://parley.test/parley/v1/stats/interaction/averages?fromDate=2023-12-05&toDate=2024-03-05']);
	});

	it('is nothing on a 403, an empty period or no start; other failures throw', async () => {
		expect(await fetchTeamAverages(apiAnswering(403, { requestId: 'r', errors: ['no'] }).api, '2024-03-04T15:00:00Z')).toBeUndefined();
		expect(await fetchTeamAverages(apiAnswering(200, { ...averages, users: 0, calls: 0, interactionStats: [] }).api, '2024-03-04T15:00:00Z')).toBeUndefined();
		const none = apiAnswering(200, averages);
		expect(await fetchTeamAverages(none.api, null)).toBeUndefined();
		expect(none.seen).toEqual([]);
		await expect(fetchTeamAverages(apiAnswering(400, { requestId: 'r', errors: ['fromDate: bad'] }).api, '2024-03-04T15:00:00Z')).rejects.toBeInstanceOf(ApiError);
	});
});
