import { describe, expect, it, vi } from 'vitest';
import { listenRecorder } from './listen';

describe('listenRecorder', () => {
	it('sends one listen per call and user, on the first play', async () => {
		const send = vi.fn(() => Promise.resolve());
		const played = listenRecorder(send);
		played('7', '42');
		played('7', '42');
		played('8', '42');
		played('7', '43');
		expect(send.mock.calls).toEqual([
			['7', '42'],
			['8', '42'],
			['7', '43']
		]);
	});

	it('sends nothing without a signed-in user or a call', () => {
		const send = vi.fn(() => Promise.resolve());
		const played = listenRecorder(send);
		played('7', undefined);
		played('', '42');
		expect(send).not.toHaveBeenCalled();
	});

	it('tries again on the next play after a failure', async () => {
		const send = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValue(undefined);
		const played = listenRecorder(send);
		played('7', '42');
		await Promise.resolve();
		await Promise.resolve();
		played('7', '42');
		played('7', '42');
		expect(send).toHaveBeenCalledTimes(2);
	});
});
