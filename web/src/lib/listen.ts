// A play of a call is a `listen` activity event (`POST /parley/v1/activity`), which the
// Team page's activity counts ("listened to"): sent for the signed-in user on the first
// play of each call in a page load. A failure is quiet (the player plays; the stats miss
// one listen) and the next play tries again.

export type SendListen = (callId: string, userId: string) => Promise<unknown>;

/** A function to call on every play; it sends at most one listen per call (and user). */
export function listenRecorder(send: SendListen): (callId: string, userId: string | undefined) => void {
	const sent = new Set<string>();
	return (callId, userId) => {
		if (!callId || !userId) return;
		const key = `${userId}:${callId}`;
		if (sent.has(key)) return;
		sent.add(key);
		send(callId, userId).catch(() => sent.delete(key));
	};
}
