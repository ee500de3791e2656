import { describe, expect, it } from 'vitest';
import { formatTimeParam, linkAt, parseTimeParam } from './timeParam';

describe('parseTimeParam', () => {
	it('reads seconds, units and clock times', () => {
		expect(parseTimeParam('83')).toBe(83);
		expect(parseTimeParam('83.5')).toBe(83.5);
		expect(parseTimeParam('1m23s')).toBe(83);
		expect(parseTimeParam('1M23S')).toBe(83);
		expect(parseTimeParam('45s')).toBe(45);
		expect(parseTimeParam('2m')).toBe(120);
		expect(parseTimeParam('1h2m3s')).toBe(3723);
		expect(parseTimeParam('1h')).toBe(3600);
		expect(parseTimeParam('1:23')).toBe(83);
		expect(parseTimeParam('1:02:03')).toBe(3723);
		expect(parseTimeParam(' 0 ')).toBe(0);
	});

	it('refuses what is not a time', () => {
		for (const bad of [null, undefined, '', 'abc', '-5', '1:60', '1:75:00', 'm', '1x', '1m23', '5s3m', '1e3', 'Infinity']) {
			expect(parseTimeParam(bad), String(bad)).toBeUndefined();
		}
	});
});

describe('formatTimeParam', () => {
	it('writes whole seconds with units, and round-trips', () => {
		expect(formatTimeParam(0)).toBe('0s');
		expect(formatTimeParam(45.9)).toBe('45s');
		expect(formatTimeParam(83)).toBe('1m23s');
		expect(formatTimeParam(120)).toBe('2m');
		expect(formatTimeParam(3723)).toBe('1h2m3s');
		expect(formatTimeParam(-3)).toBe('0s');
		expect(formatTimeParam(NaN)).toBe('0s');
		for (const s of [0, 1, 59, 60, 61, 3599, 3600, 3661, 86399]) expect(parseTimeParam(formatTimeParam(s))).toBe(s);
	});
});

describe('linkAt', () => {
	it('sets t and keeps the rest of the URL', () => {
		expect(linkAt('http://parley.test/calls/7?x=1#top', 83.7)).toBe('http://parley.test/calls/7?x=1&t=1m23s#top');
		expect(linkAt('http://parley.test/calls/7?t=5', 10)).toBe('http://parley.test/calls/7?t=10s');
	});
});
