// The page a customer opens from a shared link (`/shared/<token>`, no session): the speaker
// labels come from the answer's `speakers` (not from the call's parties, which the page
// cannot read), the rest is the call page's own segment logic (segments.ts).
// Pure functions: unit-tested in sharedCall.test.ts.

import type { components } from './api/schema';
import { ApiError } from './api/client';
import type { Segment, SpeakerLabel } from './segments';

export type SharedCall = components['schemas']['SharedCall'];

/**
 * A label for every speaker of the transcript: the name the server gives for that speaker,
 * else "Speaker N" numbered in order of first appearance (as on the call page).
 */
export function sharedLabels(speakers: SharedCall['speakers'], segments: readonly Segment[]): Map<string, SpeakerLabel> {
	const labels = new Map<string, SpeakerLabel>();
	for (const s of speakers) {
		const name = s.name.trim();
		if (name) labels.set(s.speakerId, { name, affiliation: s.affiliation });
	}
	let n = 0;
	for (const s of segments) {
		if (!labels.has(s.speakerId)) labels.set(s.speakerId, { name: `Speaker ${++n}`, affiliation: 'Unknown' });
	}
	return labels;
}

/** The browser tab's title: the call's title and that it is shared, no product or company. */
export function sharedTitle(call: Pick<SharedCall, 'title'> | undefined): string {
	const title = call?.title.trim();
	return title ? `${title} · Shared call` : 'Shared call';
}

/** Whether a failure means the link no longer opens (404: unknown, expired or revoked). */
export function linkGone(error: unknown): boolean {
	return error instanceof ApiError && error.status === 404;
}
