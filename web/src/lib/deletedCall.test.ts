import { describe, expect, it } from 'vitest';
import { deletedMessage, noteDeleted, takeDeleted } from './deletedCall';

function memory() {
	const m = new Map<string, string>();
	return {
		getItem: (k: string) => m.get(k) ?? null,
		setItem: (k: string, v: string) => void m.set(k, v),
		removeItem: (k: string) => void m.delete(k)
	};
}

describe('the deleted call, said once on the calls list', () => {
	it('is taken once', () => {
		const s = memory();
		expect(takeDeleted(s)).toBeUndefined();
		noteDeleted(s, 'Discovery: Acme');
		expect(takeDeleted(s)).toBe('Discovery: Acme');
		expect(takeDeleted(s)).toBeUndefined();
	});
	it('names an untitled call and survives a storage that throws', () => {
		const s = memory();
		noteDeleted(s, '');
		expect(takeDeleted(s)).toBe('Untitled call');
		const broken = {
			getItem: () => {
				throw new Error('no');
			},
			setItem: () => {
				throw new Error('no');
			},
			removeItem: () => {}
		};
		expect(() => noteDeleted(broken, 'x')).not.toThrow();
		expect(takeDeleted(broken)).toBeUndefined();
		expect(deletedMessage('Pricing')).toBe('Deleted “Pricing”');
	});
});
