import { describe, expect, it } from 'vitest';
import {
	codeParts,
	kindsText,
	NO_WORKER,
	reportingText,
	slotsText,
	sortWorkers,
	speechText,
	workDoneText,
	workersSummary,
	workerState,
	workerStateText,
	type WorkerView
} from './workers';

const worker = (name: string, state: string, extra: Partial<WorkerView> = {}): WorkerView => ({
	name,
	version: '0.0.0',
	kinds: ['transcribe', 'analyze'],
	speechModel: 'whisper-base',
	transcriptionSlots: 2,
	started: '2026-12-07T04:00:00.000Z',
	lastSeen: '2026-12-07T04:10:00.000Z',
	state,
	running: 1,
	done: 42,
	failed: 3,
	...extra
});

describe("a worker's state in words", () => {
	it('says working, stopped, and since when one is not responding', () => {
		const when = (iso: string) => `[${iso}]`;
		expect(workerStateText(worker('a', 'alive'), when)).toBe('Working');
		expect(workerStateText(worker('a', 'stopped'), when)).toBe('Stopped');
		expect(workerStateText(worker('a', 'silent'), when)).toBe('Not responding since [2026-12-07T04:10:00.000Z]');
		expect(workerStateText(worker('a', 'paused'), when)).toBe('paused');
	});
	it('gives the badge and the time apart', () => {
		expect(workerState(worker('a', 'alive'))).toEqual({ label: 'Working' });
		expect(workerState(worker('a', 'silent'))).toEqual({ label: 'Not responding', since: '2026-12-07T04:10:00.000Z' });
	});
	it('formats the time of a silent one as the other times', () => {
		expect(workerStateText(worker('a', 'silent'))).toMatch(/^Not responding since .*2026/);
	});
});

describe('the summary line', () => {
	it('counts the working ones', () => {
		expect(workersSummary([worker('a', 'alive'), worker('b', 'alive'), worker('c', 'stopped')])).toEqual({
			none: false,
			text: '2 workers working.'
		});
		expect(workersSummary([worker('a', 'alive')]).text).toBe('1 worker working.');
		expect(workersSummary([worker('a', 'alive'), worker('b', 'silent')]).text).toBe('1 worker working; 1 not responding.');
	});
	it('says how to start one when none is working: empty, all stopped, all silent', () => {
		expect(workersSummary([])).toEqual({ none: true, text: NO_WORKER });
		expect(workersSummary([worker('a', 'stopped'), worker('b', 'stopped')])).toEqual({ none: true, text: NO_WORKER });
		expect(workersSummary([worker('a', 'silent'), worker('b', 'stopped')])).toEqual({
			none: true,
			text: `${NO_WORKER} 1 worker not responding.`
		});
		expect(workersSummary([worker('a', 'silent'), worker('b', 'silent')]).text).toMatch(/2 workers not responding\.$/);
	});
	it('has the sentence the page shows, with its commands as code', () => {
		expect(codeParts(NO_WORKER)).toEqual([
			{ code: false, text: 'No worker is working: queued jobs wait until one starts (' },
			{ code: true, text: 'parley serve' },
			{ code: false, text: ' without ' },
			{ code: true, text: '--no-workers' },
			{ code: false, text: ', or ' },
			{ code: true, text: 'parley worker' },
			{ code: false, text: ').' }
		]);
		expect(codeParts('2 workers working.')).toEqual([{ code: false, text: '2 workers working.' }]);
		expect(codeParts('')).toEqual([]);
	});
});

describe('the table', () => {
	it('puts working ones first, then silent, then stopped, keeping the order within each', () => {
		const list = [
			worker('s1', 'stopped'),
			worker('a1', 'alive'),
			worker('x', 'unknown'),
			worker('q1', 'silent'),
			worker('a2', 'alive'),
			worker('s2', 'stopped')
		];
		expect(sortWorkers(list).map((w) => w.name)).toEqual(['a1', 'a2', 'q1', 's1', 's2', 'x']);
		expect(list[0]!.name).toBe('s1');
		expect(sortWorkers([])).toEqual([]);
	});
	it('says what it transcribes with, or that it does not', () => {
		expect(speechText(worker('a', 'alive'))).toBe('whisper-base');
		expect(speechText(worker('a', 'alive', { speechModel: null }))).toBe('does not transcribe');
		expect(speechText({})).toBe('does not transcribe');
		expect(slotsText(worker('a', 'alive'))).toBe('2 transcriptions at a time');
		expect(slotsText(worker('a', 'alive', { transcriptionSlots: 1 }))).toBe('1 transcription at a time');
		expect(slotsText(worker('a', 'alive', { speechModel: null, transcriptionSlots: 0 }))).toBe('');
	});
	it('says its work since it started and its kinds in words', () => {
		expect(workDoneText(worker('a', 'alive'))).toBe('1 running, 42 done, 3 failed');
		expect(kindsText(['transcribe', 'analyze', 'reindex-search'])).toEqual({
			summary: 'runs 3 kinds of job',
			names: ['Transcription', 'Analysis', 'reindex-search']
		});
		expect(kindsText(['deliver']).summary).toBe('runs 1 kind of job');
		expect(kindsText([])).toEqual({ summary: 'runs no jobs', names: [] });
	});
	it('says how often workers report', () => {
		expect(reportingText(15)).toMatch(/every 15 seconds; one that has not reported for 45 seconds/);
		expect(reportingText(1)).toMatch(/every 1 second; .* 3 seconds/);
		expect(reportingText(0)).toBe('Workers seen in the last day.');
	});
});
