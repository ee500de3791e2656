import { describe, expect, it } from 'vitest';
import { sentenceStep, shortcutOf, typingAt } from './keys';

const body = { tagName: 'BODY' };

describe('shortcutOf', () => {
	it('maps Space, the arrows, j and k', () => {
		expect(shortcutOf({ key: ' ' }, body)).toBe('toggle');
		expect(shortcutOf({ key: 'ArrowLeft' }, body)).toBe('back');
		expect(shortcutOf({ key: 'ArrowRight' }, body)).toBe('forward');
		expect(shortcutOf({ key: 'j' }, body)).toBe('previous');
		expect(shortcutOf({ key: 'k' }, body)).toBe('next');
		expect(shortcutOf({ key: 'x' }, body)).toBeUndefined();
	});

	it('leaves keys alone while typing, and with modifiers', () => {
		for (const t of [{ tagName: 'INPUT', type: 'text' }, { tagName: 'input', type: 'search' }, { tagName: 'TEXTAREA' }, { tagName: 'SELECT' }, { tagName: 'DIV', isContentEditable: true }]) {
			expect(shortcutOf({ key: ' ' }, t)).toBeUndefined();
			expect(shortcutOf({ key: 'j' }, t)).toBeUndefined();
			expect(shortcutOf({ key: 'ArrowLeft' }, t)).toBeUndefined();
		}
		expect(shortcutOf({ key: 'k', ctrlKey: true }, body)).toBeUndefined();
		expect(shortcutOf({ key: 'ArrowLeft', altKey: true }, body)).toBeUndefined();
		expect(shortcutOf({ key: 'ArrowLeft', metaKey: true }, body)).toBeUndefined();
		expect(shortcutOf({ key: 'J', shiftKey: true }, body)).toBeUndefined();
	});

	it("leaves a radio group's arrows and Space to it", () => {
		const radio = { tagName: 'INPUT', type: 'radio' };
		for (const key of ['ArrowLeft', 'ArrowRight', ' ']) expect(shortcutOf({ key }, radio)).toBeUndefined();
		expect(shortcutOf({ key: 'ArrowLeft' }, { tagName: 'INPUT', type: 'checkbox' })).toBe('back');
		expect(shortcutOf({ key: 'k' }, radio)).toBe('next');
	});

	it('leaves Space to buttons and links that do something, but not to seek buttons', () => {
		expect(shortcutOf({ key: ' ' }, { tagName: 'BUTTON' })).toBeUndefined();
		expect(shortcutOf({ key: ' ' }, { tagName: 'A' })).toBeUndefined();
		expect(shortcutOf({ key: ' ' }, { tagName: 'INPUT', type: 'checkbox' })).toBeUndefined();
		expect(shortcutOf({ key: ' ' }, { tagName: 'BUTTON', seeks: true })).toBe('toggle');
		expect(shortcutOf({ key: 'k' }, { tagName: 'BUTTON' })).toBe('next');
	});

	it('leaves Space and arrows to the media element’s own controls; ignores held Space', () => {
		expect(shortcutOf({ key: ' ' }, { tagName: 'AUDIO' })).toBeUndefined();
		expect(shortcutOf({ key: 'ArrowRight' }, { tagName: 'AUDIO' })).toBeUndefined();
		expect(shortcutOf({ key: 'j' }, { tagName: 'AUDIO' })).toBe('previous');
		expect(shortcutOf({ key: ' ', repeat: true }, body)).toBeUndefined();
	});
});

describe('typingAt', () => {
	it('knows text inputs from other inputs', () => {
		expect(typingAt({ tagName: 'INPUT' })).toBe(true);
		expect(typingAt({ tagName: 'INPUT', type: 'date' })).toBe(true);
		expect(typingAt({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
		expect(typingAt({ tagName: 'BUTTON' })).toBe(false);
	});
});

describe('sentenceStep', () => {
	const starts = Float64Array.from([0, 3, 3, 7, 12]);
	it('goes to the next sentence start', () => {
		expect(sentenceStep(starts, 0, 1)).toBe(3);
		expect(sentenceStep(starts, 3.000001, 1)).toBe(7);
		expect(sentenceStep(starts, 8, 1)).toBe(12);
		expect(sentenceStep(starts, 12.5, 1)).toBeUndefined();
		expect(sentenceStep(Float64Array.from([2, 5]), 1, 1)).toBe(2);
	});

	it('goes back to the current start first, then to the one before', () => {
		expect(sentenceStep(starts, 9.5, -1)).toBe(7);
		expect(sentenceStep(starts, 7.000001, -1)).toBe(3);
		expect(sentenceStep(starts, 3.5, -1)).toBe(0);
		expect(sentenceStep(starts, 0.2, -1)).toBe(0);
		expect(sentenceStep(Float64Array.from([2, 5]), 1, -1)).toBeUndefined();
		expect(sentenceStep(new Float64Array(), 1, -1)).toBeUndefined();
	});
});
