import { describe, expect, it } from 'vitest';
import { copyText } from './clipboard';

describe('copyText', () => {
	it('writes the text and says so', async () => {
		const written: string[] = [];
		expect(await copyText('s3cret', { writeText: async (t) => void written.push(t) })).toBe(true);
		expect(written).toEqual(['s3cret']);
	});

	it('is false when the clipboard refuses', async () => {
		expect(await copyText('x', { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) })).toBe(false);
	});

	it('is false without a clipboard', async () => {
		expect(await copyText('x', null)).toBe(false);
	});
});
