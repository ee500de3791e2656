import { describe, expect, it } from 'vitest';
import { escapeRegExp, highlight, matchHref, matchTime, searchWords, timeParamOf, type Piece } from './transcriptMatch';

/** The pieces as a string, marked ones in [brackets]. */
const show = (pieces: Piece[]) => pieces.map((p) => (p.mark ? `[${p.text}]` : p.text)).join('');

describe('searchWords', () => {
	it('splits on anything that is not a letter or a digit', () => {
		expect(searchWords('listening to rec')).toEqual(['listening', 'to', 'rec']);
		expect(searchWords('  C++ (beta), v2.0! ')).toEqual(['C', 'beta', 'v2', '0']);
		expect(searchWords('café über straße')).toEqual(['café', 'über', 'straße']);
		expect(searchWords('')).toEqual([]);
		expect(searchWords('  ...  ')).toEqual([]);
		expect(searchWords(undefined)).toEqual([]);
		expect(searchWords(null)).toEqual([]);
	});
});

describe('highlight', () => {
	it('marks the phrase, the last word to the end of the word it begins', () => {
		expect(show(highlight('Mostly by listening to recordings, which takes forever.', 'listening to rec'))).toBe(
			'Mostly by [listening to recordings], which takes forever.'
		);
	});

	it('ignores case, in the search and in the sentence', () => {
		expect(show(highlight('PRICING is what Pricing does', 'pricing'))).toBe('[PRICING] is what [Pricing] does');
		expect(show(highlight('the pricing page', 'PRIC'))).toBe('the [pricing] page');
		expect(show(highlight('Ärger über Öl', 'ärger ÜBER'))).toBe('[Ärger über] Öl');
	});

	it('lets punctuation and spaces between the words differ', () => {
		expect(show(highlight('recordings, which takes', 'recordings which'))).toBe('[recordings, which] takes');
		expect(show(highlight('a  follow-up call', 'follow up'))).toBe('a  [follow-up] call');
		expect(show(highlight('we said follow up', 'follow-up'))).toBe('we said [follow up]');
	});

	it('matches at the start of a word only', () => {
		expect(show(highlight('stopping top performers', 'top'))).toBe('stopping [top] performers');
		expect(show(highlight('nothing here', 'thing'))).toBe('nothing here');
	});

	it('marks every place the phrase is said', () => {
		expect(show(highlight('next step, then the next step', 'next st'))).toBe('[next step], then the [next step]');
	});

	it('falls back to the single words when the phrase is not in the sentence, merging overlaps', () => {
		// The server may normalise words differently: still show what can be seen.
		expect(show(highlight('budget for the renewal', 'renewal budget'))).toBe('[budget] for the [renewal]');
		// "to" and "top" both begin "top": one mark, not two overlapping ones.
		expect(show(highlight('top of the list', 'lis top to'))).toBe('[top] of the [list]');
		expect(highlight('top', 'to top')).toEqual([{ text: 'top', mark: true }]);
	});

	it('treats characters special to regular expressions as plain text', () => {
		expect(show(highlight('a.b and axb', 'a.b'))).toBe('[a.b] and axb');
		expect(show(highlight('costs $100 (net)', '$100 (net)'))).toBe('costs $[100 (net])');
		expect(show(highlight('C++ or C#', 'c++'))).toBe('[C]++ or [C]#');
		expect(highlight('x * y', '.*')).toEqual([{ text: 'x * y', mark: false }]);
		expect(show(highlight('back\\slash (x|y)', '\\ | ) ( ^ $'))).toBe('back\\slash (x|y)');
	});

	it('leaves the sentence whole when there is nothing to mark', () => {
		expect(highlight('Hello there.', '')).toEqual([{ text: 'Hello there.', mark: false }]);
		expect(highlight('Hello there.', '   ')).toEqual([{ text: 'Hello there.', mark: false }]);
		expect(highlight('Hello there.', undefined)).toEqual([{ text: 'Hello there.', mark: false }]);
		expect(highlight('Hello there.', 'goodbye')).toEqual([{ text: 'Hello there.', mark: false }]);
		expect(highlight('', 'hello')).toEqual([]);
	});

	it('joins back to the sentence, and keeps markup as text', () => {
		const text = '<b>Hi</b> & <script>alert(1)</script> hi again';
		const pieces = highlight(text, 'hi');
		expect(pieces.map((p) => p.text).join('')).toBe(text);
		expect(show(pieces)).toBe('<b>[Hi]</b> & <script>alert(1)</script> [hi] again');
	});

	it('marks a whole sentence that is the phrase', () => {
		expect(highlight('Pricing', 'pricing')).toEqual([{ text: 'Pricing', mark: true }]);
	});
});

describe('the time of a match', () => {
	it('links to the call page with plain seconds in ?t=', () => {
		expect(timeParamOf(10400)).toBe('10.4');
		expect(timeParamOf(83000)).toBe('83');
		expect(timeParamOf(0)).toBe('0');
		expect(timeParamOf(3723456)).toBe('3723.456');
		expect(timeParamOf(-5)).toBe('0');
		expect(timeParamOf(Number.NaN)).toBe('0');
		expect(matchHref('7100000000000000001', 10400)).toBe('/calls/7100000000000000001?t=10.4');
	});

	it('reads as m:ss, or h:mm:ss from an hour on', () => {
		expect(matchTime(10400)).toBe('0:10');
		expect(matchTime(83000)).toBe('1:23');
		expect(matchTime(3723000)).toBe('1:02:03');
		expect(matchTime(Number.NaN)).toBe('0:00');
	});

	it('escapes what regular expressions read', () => {
		expect(escapeRegExp('a.b*(c)[d]{e}|f^$\\/')).toBe('a\\.b\\*\\(c\\)\\[d\\]\\{e\\}\\|f\\^\\$\\\\\\/');
		expect(new RegExp(escapeRegExp('(x)')).test('(x)')).toBe(true);
	});
});
