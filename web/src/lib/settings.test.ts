import { describe, expect, it } from 'vitest';
import {
	backfillStatus,
	chosenSection,
	draftOf,
	emptyDraft,
	formatKeywords,
	keyBody,
	keywordSummary,
	nextPoll,
	parseKeywords,
	sectionsFor,
	snippetTime,
	sortKeys,
	trackerFilters,
	trackerInput,
	type KeyView,
	type SessionCan,
	type TrackerWire
} from './settings';

const none: SessionCan = {
	manageTrackers: false,
	manageUsers: false,
	manageProfiles: false,
	manageKeys: false,
	manageAutomation: false,
	manageWorkspaces: false,
	readJobs: false,
	deleteCalls: false,
	manageScorecards: false,
	manageOAuthApps: false,
	manageCrm: false
};

const tracker: TrackerWire = {
	trackerId: '42',
	trackerName: 'Competitors',
	workspaceId: '7',
	languageKeywords: [
		{ language: 'eng', keywords: ['Acme', '1,000 seats'], includeRelatedForms: true },
		{ language: 'fre', keywords: ['Globex'], includeRelatedForms: false }
	],
	affiliation: 'NonCompany',
	partOfQuestion: true,
	saidAt: 'First',
	saidAtInterval: 5,
	saidAtUnit: 'Minutes',
	saidInTopics: ['Pricing'],
	saidInCallParts: [],
	filterQuery: '{}',
	created: '2024-03-01T00:00:00Z',
	creatorUserId: null,
	updated: '2024-03-01T00:00:00Z',
	updaterUserId: null
};

describe('sections by permission', () => {
	it('offers only what the server says the user may manage', () => {
		expect(sectionsFor(undefined)).toEqual([]);
		expect(sectionsFor(none)).toEqual([]);
		expect(sectionsFor({ ...none, manageTrackers: true }).map((s) => s.id)).toEqual(['trackers', 'topics']);
		expect(sectionsFor({ ...none, manageTrackers: true, manageUsers: true, manageKeys: true }).map((s) => s.label)).toEqual(['Trackers', 'Topics', 'Users', 'API keys']);
		expect(sectionsFor({ ...none, manageAutomation: true }).map((s) => s.id)).toEqual(['automation']);
		expect(sectionsFor({ ...none, manageWorkspaces: true }).map((s) => s.id)).toEqual(['workspaces']);
		expect(sectionsFor({ ...none, readJobs: true }).map((s) => s.label)).toEqual(['Jobs']);
		expect(sectionsFor({ ...none, manageProfiles: true }).map((s) => s.label)).toEqual(['Permission profiles']);
		expect(sectionsFor({ ...none, manageUsers: true, manageProfiles: true, readJobs: true }).map((s) => s.id)).toEqual(['users', 'profiles', 'jobs']);
	});
	it('a section asked for that the user lacks falls back to their first', () => {
		const s = sectionsFor({ ...none, manageTrackers: true });
		expect(chosenSection(s, 'keys')?.id).toBe('trackers');
		expect(chosenSection(s, 'topics')?.id).toBe('topics');
		expect(chosenSection(s, null)?.id).toBe('trackers');
		expect(chosenSection([], 'keys')).toBeUndefined();
		const all = sectionsFor({ ...none, manageTrackers: true, manageKeys: true });
		expect(chosenSection(all, 'keys')?.id).toBe('keys');
	});
});

describe('keywords', () => {
	it('splits on commas and new lines, keeps quoted commas, drops blanks', () => {
		expect(parseKeywords('Acme, Globex ,, "1,000 seats"\nInitech ')).toEqual(['Acme', 'Globex', '1,000 seats', 'Initech']);
		expect(parseKeywords('')).toEqual([]);
		expect(parseKeywords('  ,  ')).toEqual([]);
		expect(parseKeywords('"unclosed, quote')).toEqual(['unclosed, quote']);
	});
	it('round-trips', () => {
		const terms = ['Acme', '1,000 seats', 'price list'];
		expect(formatKeywords(terms)).toBe('Acme, "1,000 seats", price list');
		expect(parseKeywords(formatKeywords(terms))).toEqual(terms);
	});
});

describe('the tracker form', () => {
	it('an empty draft is English, anyone, any time; its body leaves the stretch out', () => {
		const body = trackerInput({ ...emptyDraft(), name: 'Pricing', languages: [{ language: 'eng', keywords: 'price, cost', includeRelatedForms: false }] });
		expect(body).toEqual({
			trackerName: 'Pricing',
			languageKeywords: [{ language: 'eng', keywords: ['price', 'cost'], includeRelatedForms: false }],
			affiliation: 'Anyone',
			partOfQuestion: false,
			saidInTopics: [],
			saidAt: 'Anytime'
		});
	});
	it('a stored tracker round-trips through the form', () => {
		const d = draftOf(tracker);
		expect(d.languages[0]?.keywords).toBe('Acme, "1,000 seats"');
		expect(d.saidInTopics).toBe('Pricing');
		expect(trackerInput(d)).toEqual({
			trackerName: 'Competitors',
			workspaceId: '7',
			languageKeywords: [
				{ language: 'eng', keywords: ['Acme', '1,000 seats'], includeRelatedForms: true },
				{ language: 'fre', keywords: ['Globex'], includeRelatedForms: false }
			],
			affiliation: 'NonCompany',
			partOfQuestion: true,
			saidInTopics: ['Pricing'],
			saidAt: 'First',
			saidAtInterval: '5',
			saidAtUnit: 'Minutes'
		});
	});
	it('values the form does not know read as the defaults', () => {
		const d = draftOf({ ...tracker, affiliation: 'Martians', saidAt: 'Whenever', languageKeywords: [], saidAtInterval: null, saidAtUnit: null });
		expect(d.affiliation).toBe('Anyone');
		expect(d.saidAt).toBe('Anytime');
		expect(d.languages).toEqual(emptyDraft().languages);
	});
	it('summaries in words', () => {
		expect(keywordSummary(tracker)).toBe('Acme, 1,000 seats, Globex');
		expect(keywordSummary({ ...tracker, languageKeywords: [{ language: 'eng', keywords: ['a', 'b', 'c', 'd', 'e', 'f'], includeRelatedForms: false }] })).toBe('a, b, c, d +2 more');
		expect(trackerFilters(tracker)).toBe('Said by others · in the first 5 minutes · in a question · in Pricing');
		expect(trackerFilters({ ...tracker, affiliation: 'Anyone', saidAt: 'Last', saidAtInterval: 10, saidAtUnit: 'Percent', partOfQuestion: false, saidInTopics: [] })).toBe('In the last 10%');
		expect(trackerFilters({ ...tracker, affiliation: 'Anyone', saidAt: 'Anytime', partOfQuestion: false, saidInTopics: [] })).toBe('Anyone, any time');
	});
});

describe('a back-fill job in words', () => {
	it('queued, running with a percentage, done, failed', () => {
		expect(backfillStatus({ state: 'queued', progress: null, error: null })).toMatchObject({ percent: 0, final: false });
		expect(backfillStatus({ state: 'running', progress: 0.456, error: null })).toMatchObject({ label: 'Back-filling past calls: 46%', percent: 46, final: false });
		expect(backfillStatus({ state: 'running', progress: null, error: null }).percent).toBeNull();
		expect(backfillStatus({ state: 'running', progress: 1.7, error: null }).percent).toBe(100);
		expect(backfillStatus({ state: 'done', progress: 0.99, error: null })).toMatchObject({ percent: 100, final: true, failed: false });
		expect(backfillStatus({ state: 'failed', progress: null, error: 'the workspace\'s trackers do not compile' })).toMatchObject({
			label: "The back-fill failed: the workspace's trackers do not compile",
			final: true,
			failed: true
		});
	});
	it('polls back off to at most 15 s apart', () => {
		const seq: number[] = [];
		let t: number | undefined;
		for (let i = 0; i < 10; i++) seq.push((t = nextPoll(t)));
		expect(seq.slice(0, 3)).toEqual([1000, 1500, 2250]);
		expect(Math.max(...seq)).toBe(15_000);
	});
	it('snippet times', () => {
		expect(snippetTime(4500)).toBe('0:04');
		expect(snippetTime(3_725_000)).toBe('1:02:05');
		expect(snippetTime(-5)).toBe('0:00');
	});
});

describe('API keys', () => {
	it('the create body: trimmed, full by default, bindings only when chosen', () => {
		expect(keyBody({ name: ' etl ', scopes: '', workspaceId: '', ownerUserId: '' })).toEqual({ name: 'etl', scopes: 'full' });
		expect(keyBody({ name: 'ro', scopes: 'read-only', workspaceId: '5', ownerUserId: '9' })).toEqual({ name: 'ro', scopes: 'read-only', workspaceId: '5', ownerUserId: '9' });
	});
	it('active keys first, newest first', () => {
		const k = (accessKey: string, created: string, revoked: string | null = null): KeyView => ({
			accessKey,
			name: accessKey,
			scopes: '',
			preset: 'full',
			workspaceId: null,
			ownerUserId: null,
			created,
			lastUsed: null,
			revoked
		});
		const sorted = sortKeys([k('old', '2024-01-01T00:00:00Z'), k('gone', '2024-06-01T00:00:00Z', '2024-07-01T00:00:00Z'), k('new', '2024-05-01T00:00:00Z')]);
		expect(sorted.map((x) => x.accessKey)).toEqual(['new', 'old', 'gone']);
	});
});

describe('OAuth apps and CRM connections sections', () => {
	it('are offered by manageOAuthApps and manageCrm, after the others', () => {
		expect(sectionsFor({ ...none, manageOAuthApps: true }).map((s) => [s.id, s.label])).toEqual([['oauth', 'OAuth apps']]);
		expect(sectionsFor({ ...none, manageCrm: true }).map((s) => [s.id, s.label])).toEqual([['crm', 'CRM connections']]);
		expect(sectionsFor({ ...none, manageKeys: true, manageOAuthApps: true, manageCrm: true }).map((s) => s.id)).toEqual(['keys', 'oauth', 'crm']);
		expect(chosenSection(sectionsFor({ ...none, manageCrm: true }), 'oauth')?.id).toBe('crm');
	});
});
