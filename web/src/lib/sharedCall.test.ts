import { describe, expect, it } from 'vitest';
import { ApiError } from './api/client';
import { flattenTranscript } from './segments';
import { linkGone, sharedLabels, sharedTitle } from './sharedCall';

const segments = flattenTranscript([
	{ speakerId: '11', sentences: [{ start: 0, end: 1000, text: 'Hi.', words: [] }] },
	{ speakerId: '13', sentences: [{ start: 1000, end: 2000, text: 'Hello.', words: [] }] },
	{ speakerId: '12', sentences: [{ start: 2000, end: 3000, text: 'Hey.', words: [] }] },
	{ speakerId: '14', sentences: [{ start: 3000, end: 4000, text: 'Yo.', words: [] }] }
]);

describe('sharedLabels', () => {
	it("names the speakers the server names, and numbers the others as they first speak", () => {
		const labels = sharedLabels(
			[
				{ speakerId: '11', name: 'Ada Lovelace', affiliation: 'Internal' },
				{ speakerId: '12', name: 'Dana Buyer', affiliation: 'External' },
				{ speakerId: '14', name: '  ', affiliation: 'External' }
			],
			segments
		);
		expect(Object.fromEntries(labels)).toEqual({
			'11': { name: 'Ada Lovelace', affiliation: 'Internal' },
			'12': { name: 'Dana Buyer', affiliation: 'External' },
			'13': { name: 'Speaker 1', affiliation: 'Unknown' },
			'14': { name: 'Speaker 2', affiliation: 'Unknown' }
		});
	});
});

describe('sharedTitle and linkGone', () => {
	it("titles the tab with the call's title only", () => {
		expect(sharedTitle({ title: 'Discovery: Acme Corp' })).toBe('Discovery: Acme Corp · Shared call');
		expect(sharedTitle({ title: ' ' })).toBe('Shared call');
		expect(sharedTitle(undefined)).toBe('Shared call');
	});

	it('takes a 404 as a link that no longer opens, nothing else', () => {
		expect(linkGone(new ApiError(404, ['gone']))).toBe(true);
		expect(linkGone(new ApiError(500, ['broken']))).toBe(false);
		expect(linkGone(new Error('offline'))).toBe(false);
	});
});
