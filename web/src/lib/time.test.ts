import { describe, expect, it } from 'vitest';
import { describeDuration, formatDate, formatDateTime, formatDuration, msToSeconds } from './time';

describe('formatDuration', () => {
	it('formats m:ss under an hour and h:mm:ss above', () => {
		expect(formatDuration(0)).toBe('0:00');
		expect(formatDuration(5)).toBe('0:05');
		expect(formatDuration(59.999)).toBe('0:59');
		expect(formatDuration(60)).toBe('1:00');
		expect(formatDuration(247)).toBe('4:07');
		expect(formatDuration(3599)).toBe('59:59');
		expect(formatDuration(3600)).toBe('1:00:00');
		expect(formatDuration(3723)).toBe('1:02:03');
		expect(formatDuration(36_000 * 3 + 1)).toBe('30:00:01');
	});

	it('is 0:00 for what is not a duration', () => {
		expect(formatDuration(-1)).toBe('0:00');
		expect(formatDuration(NaN)).toBe('0:00');
		expect(formatDuration(Infinity)).toBe('0:00');
	});
});

describe('describeDuration', () => {
	it('spells the parts that are there', () => {
		expect(describeDuration(0)).toBe('0 s');
		expect(describeDuration(7)).toBe('7 s');
		expect(describeDuration(247)).toBe('4 min 7 s');
		expect(describeDuration(3600)).toBe('1 h');
		expect(describeDuration(3723)).toBe('1 h 2 min 3 s');
		expect(describeDuration(NaN)).toBe('0 s');
	});
});

describe('msToSeconds and formatDateTime', () => {
	it('converts milliseconds', () => {
		expect(msToSeconds(1500)).toBe(1.5);
	});

	it('formats in the given locale and zone, and leaves garbage as it is', () => {
		expect(formatDateTime('2024-03-05T14:07:00Z', 'en-GB', 'UTC')).toBe('5 Mar 2024, 14:07');
		expect(formatDateTime('2024-03-05T14:07:00Z', 'en-GB', 'Asia/Tokyo')).toBe('5 Mar 2024, 23:07');
		expect(formatDateTime('not a date', 'en-GB', 'UTC')).toBe('not a date');
	});
});

describe('formatDate', () => {
	it('formats the date only, in the given locale and zone, and leaves garbage as it is', () => {
		expect(formatDate('2024-03-05T23:07:00Z', 'en-GB', 'UTC')).toBe('5 Mar 2024');
		expect(formatDate('2024-03-05T23:07:00Z', 'en-GB', 'Asia/Tokyo')).toBe('6 Mar 2024');
		expect(formatDate('nope', 'en-GB', 'UTC')).toBe('nope');
	});
});
