import { describe, expect, it } from 'vitest';
import {
	attemptsText,
	countByState,
	crashesText,
	jobsHref,
	kindLabel,
	listingScope,
	progressPercent,
	relativeTime,
	retriesAfter,
	stateFilter
} from './jobs';

describe('a job in words', () => {
	it("names the kinds it knows and shows the others as they come", () => {
		expect(kindLabel('transcribe')).toBe('Transcription');
		expect(kindLabel('analyze')).toBe('Analysis');
		expect(kindLabel('fetch-media')).toBe('Media download');
		expect(kindLabel('backfill-trackers')).toBe('Tracker back-fill');
		expect(kindLabel('analyze-workspace')).toBe('Workspace re-analysis');
		expect(kindLabel('erase')).toBe('Erasure');
		expect(kindLabel('delete-media')).toBe('Recording deletion');
		expect(kindLabel('deliver')).toBe('Webhook delivery');
		expect(kindLabel('crm-write')).toBe('CRM write');
		expect(kindLabel('reindex-search')).toBe('reindex-search');
		expect(kindLabel('toString')).toBe('toString');
	});
	it('says attempts and crashes', () => {
		expect(attemptsText({ attempts: 2, maxAttempts: 5 })).toBe('2 of 5');
		expect(crashesText(0)).toBe('');
		expect(crashesText(1)).toBe('the speech engine died 1 time');
		expect(crashesText(3)).toBe('the speech engine died 3 times');
	});
	it('gives progress only for a running job that has it', () => {
		expect(progressPercent({ state: 'running', progress: 0.426 })).toBe(43);
		expect(progressPercent({ state: 'running', progress: 1.2 })).toBe(100);
		expect(progressPercent({ state: 'running', progress: null })).toBeUndefined();
		expect(progressPercent({ state: 'done', progress: 1 })).toBeUndefined();
	});
	it('says when a queued job retries, only when that is still to come', () => {
		const now = Date.parse('2026-12-07T05:00:00Z');
		expect(retriesAfter({ state: 'queued', runAfter: '2026-12-07T05:02:00Z' }, now)).toBe('2026-12-07T05:02:00Z');
		expect(retriesAfter({ state: 'queued', runAfter: '2026-12-07T04:59:00Z' }, now)).toBeUndefined();
		expect(retriesAfter({ state: 'failed', runAfter: '2026-12-07T05:02:00Z' }, now)).toBeUndefined();
		expect(retriesAfter({ state: 'queued', runAfter: 'soon' }, now)).toBeUndefined();
	});
});

describe('the listing', () => {
	it('counts per state, leaving out states it does not know', () => {
		const jobs = ['queued', 'queued', 'running', 'done', 'failed', 'done', 'paused'].map((state) => ({ state }));
		expect(countByState(jobs)).toEqual({ queued: 2, running: 1, failed: 1, done: 2 });
		expect(countByState([])).toEqual({ queued: 0, running: 0, failed: 0, done: 0 });
	});
	it('says when the listing is cut at 200', () => {
		expect(listingScope(199)).toBe('');
		expect(listingScope(200)).toBe('of the 200 newest');
	});
	it('keeps the state filter in the URL, ignoring anything else', () => {
		expect(stateFilter('failed')).toBe('failed');
		expect(stateFilter('all')).toBeUndefined();
		expect(stateFilter(null)).toBeUndefined();
		expect(jobsHref(undefined)).toBe('/settings?section=jobs');
		expect(jobsHref('running')).toBe('/settings?section=jobs&state=running');
		expect(stateFilter(new URL(`http://x${jobsHref('queued')}`).searchParams.get('state'))).toBe('queued');
	});
});

describe('relative times', () => {
	const now = Date.parse('2026-12-07T05:00:00Z');
	it('says how long ago or how soon', () => {
		expect(relativeTime('2026-12-07T04:59:58Z', now)).toBe('just now');
		expect(relativeTime('2026-12-07T04:59:20Z', now)).toBe('40 s ago');
		expect(relativeTime('2026-12-07T04:55:00Z', now)).toBe('5 min ago');
		expect(relativeTime('2026-12-07T02:00:00Z', now)).toBe('3 h ago');
		expect(relativeTime('2026-12-06T05:00:00Z', now)).toBe('1 day ago');
		expect(relativeTime('2026-12-04T05:00:00Z', now)).toBe('3 days ago');
		expect(relativeTime('2026-12-07T05:04:00Z', now)).toBe('in 4 min');
		expect(relativeTime('not a time', now)).toBe('not a time');
	});
});
