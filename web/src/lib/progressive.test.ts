import { describe, expect, it } from 'vitest';
import { complete, firstWindow, grow, include, rowWeight, rowsOf, type RowWindow } from './progressive';

const ten = (n: number) => new Array<number>(n).fill(10);

describe('rowWeight', () => {
	it('counts the words, or the words a plain text would have, plus the row', () => {
		expect(rowWeight({ text: 'a b c', words: [{}, {}, {}] })).toBe(7);
		expect(rowWeight({ text: 'twelve chars', words: [] })).toBe(6);
		expect(rowWeight({ text: '' })).toBe(4);
	});
});

describe('firstWindow', () => {
	it('starts at the top and fills the budget', () => {
		expect(firstWindow(ten(100), -1, 95)).toEqual({ lo: 0, hi: 10 });
		expect(firstWindow(ten(100), 0, 100)).toEqual({ lo: 0, hi: 10 });
	});
	it('opens a few rows above a deep link, which is always in it', () => {
		expect(firstWindow(ten(1000), 917, 100, 6)).toEqual({ lo: 911, hi: 921 });
		// A budget too small still reaches the anchor.
		expect(firstWindow(ten(1000), 917, 10, 6)).toEqual({ lo: 911, hi: 918 });
	});
	it('is clamped to the rows there are', () => {
		expect(firstWindow(ten(1000), 998, 100, 6)).toEqual({ lo: 992, hi: 1000 });
		expect(firstWindow(ten(1000), 5000, 100, 6)).toEqual({ lo: 993, hi: 1000 });
		expect(firstWindow(ten(3), 1, 1000)).toEqual({ lo: 0, hi: 3 });
		expect(firstWindow([], 0)).toEqual({ lo: 0, hi: 0 });
	});
});

describe('grow', () => {
	it('adds a chunk below, then above, until complete', () => {
		const w = ten(100);
		let win: RowWindow = { lo: 50, hi: 60 };
		const seen: RowWindow[] = [];
		while (!complete(win, 100)) seen.push((win = grow(win, w, 200)));
		expect(seen).toEqual([
			{ lo: 50, hi: 80 },
			{ lo: 50, hi: 100 },
			{ lo: 30, hi: 100 },
			{ lo: 10, hi: 100 },
			{ lo: 0, hi: 100 }
		]);
		expect(grow(win, w, 200)).toBe(win);
	});
	it('takes at least one row, however heavy', () => {
		expect(grow({ lo: 0, hi: 1 }, [1, 5000, 1], 100)).toEqual({ lo: 0, hi: 2 });
		expect(grow({ lo: 1, hi: 3 }, [5000, 1, 1], 100)).toEqual({ lo: 0, hi: 3 });
	});
	it('a complete window of no rows stays as it is', () => {
		expect(complete({ lo: 0, hi: 0 }, 0)).toBe(true);
		expect(grow({ lo: 0, hi: 0 }, [])).toEqual({ lo: 0, hi: 0 });
	});
});

describe('include', () => {
	it('stretches the window to a row outside it, with a margin', () => {
		expect(include({ lo: 900, hi: 930 }, 20, 1000, 5)).toEqual({ lo: 15, hi: 930 });
		expect(include({ lo: 0, hi: 30 }, 500, 1000, 5)).toEqual({ lo: 0, hi: 506 });
		expect(include({ lo: 0, hi: 30 }, 998, 1000, 5)).toEqual({ lo: 0, hi: 1000 });
	});
	it('leaves it (the same object) when the row is already in, or there is no such row', () => {
		const w = { lo: 10, hi: 40 };
		expect(include(w, 20, 1000, 5)).toBe(w);
		expect(include(w, -1, 1000)).toBe(w);
		expect(include(w, 1000, 1000)).toBe(w);
	});
});

describe('rowsOf', () => {
	it('lists the indexes of the window', () => {
		expect(rowsOf({ lo: 3, hi: 6 })).toEqual([3, 4, 5]);
		expect(rowsOf({ lo: 0, hi: 0 })).toEqual([]);
	});
});
