// What the signed-in user does with a call that the activity stats count (`POST
// /parley/v1/activity`, shown on the Team page): a play is a `listen`, a copied link a
// `share-internal`. Sent once per call, kind and user in a page load. A failure is quiet
// (the player plays, the link is copied; the stats miss one event) and the next time tries
// again. Comments and filled scorecards are recorded by the server itself.

export type ActivityKind = 'listen' | 'share-internal';
export type SendActivity = (kind: ActivityKind, callId: string, userId: string) => Promise<unknown>;

/** A function to call on every play or copy; it sends at most one event per call, kind and user. */
export function activityRecorder(send: SendActivity): (kind: ActivityKind, callId: string, userId: string | undefined) => void {
	const sent = new Set<string>();
	return (kind, callId, userId) => {
		if (!callId || !userId) return;
		const key = `${kind}:${userId}:${callId}`;
		if (sent.has(key)) return;
		sent.add(key);
		send(kind, callId, userId).catch(() => sent.delete(key));
	};
}
