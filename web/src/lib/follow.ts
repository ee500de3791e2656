// The transcript follows playback: its scroll box keeps the playing sentence in view until
// the user scrolls it themselves; then it stays put and the page offers "Back to now".
// What counts as the user's scroll: a scroll event shortly after a wheel, touch, pointer or
// key event on the box (our own scrolling makes scroll events with none of those).
// Pure functions: unit-tested in follow.test.ts.

/** How long after a wheel/touch/pointer/key event a scroll is taken to be the user's. */
export const INTENT_MS = 800;

export interface FollowState {
	following: boolean;
	/** When the user last touched the scroll box (ms, any clock), -Infinity if never. */
	intentAt: number;
}

export const initialFollow: FollowState = { following: true, intentAt: -Infinity };

export type FollowEvent =
	/** A wheel, touch, pointer-down or scrolling key on the transcript box. */
	| { kind: 'intent'; at: number }
	/** The box scrolled; `activeVisible`: the playing sentence is (still) in view. */
	| { kind: 'scroll'; at: number; activeVisible: boolean }
	/** "Back to now", a seek from the timeline, the summary or the keyboard. */
	| { kind: 'resume' };

export function follow(state: FollowState, e: FollowEvent): FollowState {
	switch (e.kind) {
		case 'intent':
			return { ...state, intentAt: e.at };
		case 'scroll': {
			const byUser = e.at - state.intentAt <= INTENT_MS;
			// Scrolling the playing sentence out of view stops following; scrolling within
			// view (or our own scrolling) changes nothing.
			if (state.following && byUser && !e.activeVisible) return { ...state, following: false };
			return state;
		}
		case 'resume':
			return { following: true, intentAt: -Infinity };
	}
}

/**
 * Where to scroll the box (its new scrollTop) so that a row is in view, or undefined when
 * it already sits comfortably inside (not in the top or bottom `margin` of the view).
 * Rows are brought to a third of the view's height, so the next sentences show below.
 * Offsets are relative to the box's content (row.offsetTop within the box).
 */
export function scrollTarget(
	rowTop: number,
	rowHeight: number,
	viewTop: number,
	viewHeight: number,
	contentHeight: number,
	margin = 0.15
): number | undefined {
	if (!(viewHeight > 0)) return undefined;
	const pad = viewHeight * margin;
	const inside = rowTop >= viewTop + pad && rowTop + rowHeight <= viewTop + viewHeight - pad;
	if (inside) return undefined;
	const want = rowTop - viewHeight / 3;
	const max = Math.max(0, contentHeight - viewHeight);
	const target = Math.round(Math.min(max, Math.max(0, want)));
	return target === Math.round(viewTop) ? undefined : target;
}

/** Whether any part of a row shows in the view (offsets as for `scrollTarget`). */
export function rowVisible(rowTop: number, rowHeight: number, viewTop: number, viewHeight: number): boolean {
	return rowTop + rowHeight > viewTop && rowTop < viewTop + viewHeight;
}
