import { describe, expect, it } from 'vitest';
import { wordAt, wordIndexOf, type Word } from './words';

const w = (start: number, end: number, text = 'x'): Word => ({ start, end, text });
// "one two three", a 1 s pause, "four"
const words = [w(0, 0.4, 'one'), w(0.45, 0.9, 'two'), w(0.9, 1.5, 'three'), w(2.5, 3, 'four')];

describe('wordAt', () => {
	it('finds the word whose span holds t', () => {
		expect(wordAt(words, 0)).toBe(0);
		expect(wordAt(words, 0.2)).toBe(0);
		expect(wordAt(words, 0.5)).toBe(1);
		expect(wordAt(words, 1.2)).toBe(2);
		expect(wordAt(words, 2.7)).toBe(3);
	});
	it('a start belongs to the word it opens (touching words)', () => {
		expect(wordAt(words, 0.9)).toBe(2);
	});
	it('bridges a small gap with the previous word, not a long pause', () => {
		expect(wordAt(words, 0.42)).toBe(0);
		expect(wordAt(words, 1.6)).toBe(2);
		expect(wordAt(words, 2)).toBe(-1);
		expect(wordAt(words, 2, 0)).toBe(-1);
		expect(wordAt(words, 0.42, 0)).toBe(-1);
	});
	it('is -1 before the first word, after the last, for no words or NaN', () => {
		expect(wordAt(words, -0.1)).toBe(-1);
		expect(wordAt(words, 3.3)).toBe(-1);
		expect(wordAt([], 1)).toBe(-1);
		expect(wordAt(words, Number.NaN)).toBe(-1);
	});
	it('a word with a zero or inverted span still holds its start', () => {
		expect(wordAt([w(1, 1), w(2, 1.5)], 1)).toBe(0);
		expect(wordAt([w(1, 1), w(2, 1.5)], 2.1)).toBe(1);
	});
	it('equal starts resolve to the last one', () => {
		expect(wordAt([w(1, 2), w(1, 2), w(3, 4)], 1.5)).toBe(1);
	});
	it('agrees with a linear scan on random words', () => {
		let seed = 7;
		const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
		for (let round = 0; round < 50; round++) {
			const list: Word[] = [];
			let t = rnd();
			for (let i = 0; i < 1 + Math.floor(rnd() * 40); i++) {
				const len = 0.05 + rnd() * 0.6;
				list.push(w(t, t + len));
				t += len + (rnd() < 0.2 ? rnd() * 2 : rnd() * 0.1);
			}
			for (let k = 0; k < 100; k++) {
				const q = rnd() * (t + 1) - 0.5;
				let expected = -1;
				for (let i = 0; i < list.length; i++) if (list[i]!.start <= q) expected = i;
				if (expected >= 0 && !(q < Math.max(list[expected]!.end, list[expected]!.start) + 0.25)) expected = -1;
				expect(wordAt(list, q)).toBe(expected);
			}
		}
	});
});

describe('wordIndexOf', () => {
	it('reads data-w from the element or its ancestor', () => {
		const p = document.createElement('p');
		p.innerHTML = '<span data-w="3:7"><b>word</b></span> <span>plain</span>';
		expect(wordIndexOf(p.querySelector('b'))).toEqual({ segment: 3, word: 7 });
		expect(wordIndexOf(p.querySelectorAll('span')[1]!)).toBeUndefined();
		expect(wordIndexOf(null)).toBeUndefined();
	});
});
