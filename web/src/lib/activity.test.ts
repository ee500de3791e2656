import { describe, expect, it, vi } from 'vitest';
import { activityRecorder } from './activity';

describe('activityRecorder', () => {
	it('sends one event per call, kind and user, the first time', async () => {
		const send = vi.fn(() => Promise.resolve());
		const did = activityRecorder(send);
		did('listen', '7', '42');
		did('listen', '7', '42');
		did('listen', '8', '42');
		did('listen', '7', '43');
		did('share-internal', '7', '42');
		did('share-internal', '7', '42');
		expect(send.mock.calls).toEqual([
			['listen', '7', '42'],
			['listen', '8', '42'],
			['listen', '7', '43'],
			['share-internal', '7', '42']
		]);
	});

	it('sends nothing without a signed-in user or a call', () => {
		const send = vi.fn(() => Promise.resolve());
		const did = activityRecorder(send);
		did('listen', '7', undefined);
		did('listen', '', '42');
		expect(send).not.toHaveBeenCalled();
	});

	it('tries again the next time after a failure', async () => {
		const send = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValue(undefined);
		const did = activityRecorder(send);
		did('listen', '7', '42');
		await Promise.resolve();
		await Promise.resolve();
		did('listen', '7', '42');
		did('listen', '7', '42');
		expect(send).toHaveBeenCalledTimes(2);
	});
});
