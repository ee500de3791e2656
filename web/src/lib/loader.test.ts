import { describe, expect, it } from 'vitest';
import { loadState, track } from './loader';

describe('loader', () => {
	it('starts loading, with no error', () => {
		expect(loadState()).toEqual({ loading: true, error: undefined });
	});

	it('says at once that a reading is under way and clears the last error', () => {
		const s = { loading: false, error: new Error('before') as unknown };
		let seen: unknown;
		const done = track(s, async () => {
			seen = { ...s };
		});
		expect(s).toEqual({ loading: true, error: undefined });
		return done.then(() => expect(seen).toEqual({ loading: true, error: undefined }));
	});

	it('ends loading without an error when the reading succeeds', async () => {
		const s = loadState();
		let list: number[] = [];
		await track(s, async () => {
			list = [1, 2];
		});
		expect(list).toEqual([1, 2]);
		expect(s).toEqual({ loading: false, error: undefined });
	});

	it('keeps the failure and does not throw', async () => {
		const s = loadState();
		const boom = new Error('403');
		await expect(
			track(s, async () => {
				throw boom;
			})
		).resolves.toBeUndefined();
		expect(s.loading).toBe(false);
		expect(s.error).toBe(boom);
	});

	it('a later success clears an earlier failure', async () => {
		const s = loadState();
		await track(s, () => Promise.reject(new Error('down')));
		await track(s, () => Promise.resolve());
		expect(s).toEqual({ loading: false, error: undefined });
	});
});
