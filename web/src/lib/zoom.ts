// The call page's timeline zoom: which window of the call the waveform, the lanes and the
// tracker/topic rows show. A view is a start and a span in seconds; the rows keep their
// positions as percentages of the whole call ($lib/timeline) and are drawn on a track
// `zoomOf(view)` times the visible width, scrolled to `view.start`. Pure functions:
// unit-tested in zoom.test.ts.

/** The visible window: from `start`, `span` seconds (both within the call). */
export interface View {
	start: number;
	span: number;
}

/** The narrowest window, in seconds (or the whole call when it is shorter). */
export const MIN_SPAN = 30;
/** One zoom step (a button, a key, a wheel notch with Ctrl) halves or doubles the span. */
export const ZOOM_STEP = 2;

const finite = (x: number, fallback: number) => (Number.isFinite(x) ? x : fallback);

/** The whole call. */
export function fitView(duration: number): View {
	return { start: 0, span: Math.max(0, finite(duration, 0)) };
}

/** The narrowest span a call of `duration` seconds can be zoomed to. */
export function minSpan(duration: number): number {
	return Math.min(MIN_SPAN, Math.max(0, duration));
}

/** `view` made valid: span within [minSpan, duration], start within [0, duration − span]. */
export function clampView(view: View, duration: number): View {
	if (!(duration > 0)) return fitView(0);
	const span = Math.min(duration, Math.max(minSpan(duration), finite(view.span, duration)));
	const start = Math.min(duration - span, Math.max(0, finite(view.start, 0)));
	return { start, span };
}

/** How many times the call's length the visible width is (1 = the whole call). */
export function zoomOf(view: View, duration: number): number {
	return view.span > 0 && duration > 0 ? duration / view.span : 1;
}

/** Whether the view shows less than the whole call. */
export function isZoomed(view: View, duration: number): boolean {
	return duration > 0 && view.span < duration - 1e-6;
}

/**
 * Zoomed in by `factor` (below 1: out) about the moment `anchor`, which stays where it is on
 * screen (the pointer's time for a wheel, the playhead for keys and buttons); clamped.
 */
export function zoomView(view: View, factor: number, anchor: number, duration: number): View {
	if (!(duration > 0) || !(factor > 0)) return clampView(view, duration);
	const v = clampView(view, duration);
	const span = Math.min(duration, Math.max(minSpan(duration), v.span / factor));
	const at = Math.min(v.start + v.span, Math.max(v.start, finite(anchor, v.start + v.span / 2)));
	const fraction = v.span > 0 ? (at - v.start) / v.span : 0;
	return clampView({ start: at - fraction * span, span }, duration);
}

/** Moved by `seconds` (negative: earlier), clamped to the call. */
export function panView(view: View, seconds: number, duration: number): View {
	return clampView({ start: view.start + finite(seconds, 0), span: view.span }, duration);
}

/** Where the zoom keeps still: the playhead when it is in view, else the window's middle. */
export function zoomAnchor(view: View, currentTime: number): number {
	return currentTime >= view.start && currentTime <= view.start + view.span ? currentTime : view.start + view.span / 2;
}

/** Where `t` falls in the view, 0–100 (below 0 or above 100 when outside it); 0 for an empty view. */
export function viewPercent(t: number, view: View): number {
	if (!(view.span > 0) || !Number.isFinite(t)) return 0;
	return ((t - view.start) / view.span) * 100;
}

/** The time at a fraction (0–1) of the visible width, clamped to the view (and so to the call). */
export function timeInView(fraction: number, view: View): number {
	if (!(view.span > 0) || Number.isNaN(fraction)) return view.start;
	return view.start + Math.min(1, Math.max(0, fraction)) * view.span;
}

/** The view's start for a scroll offset of `scrollLeft` px on a track `trackWidth` px wide. */
export function startAtScroll(scrollLeft: number, trackWidth: number, duration: number): number {
	return trackWidth > 0 && duration > 0 ? (scrollLeft / trackWidth) * duration : 0;
}

/** The scroll offset (px) that shows `view` on a track `trackWidth` px wide. */
export function scrollOf(view: View, trackWidth: number, duration: number): number {
	return duration > 0 ? (view.start / duration) * trackWidth : 0;
}

/** A jump of the playhead larger than this (seconds, while playing) is a seek, not playback. */
export const SEEK_JUMP = 2;
/** Where a paged or revealed playhead is put: this fraction of the span from the left. */
export const LEAD = 0.1;

/**
 * The view after the playhead moved from `previous` to `t`: the same object when nothing
 * changes, which is every frame while the playhead stays in view. While playing, once the
 * playhead runs past the right edge the view pages on so that it is near the left again;
 * a seek (any move while paused, or a jump while playing) to a moment outside the view
 * brings it into view. Playback that was already outside (the user panned away while it
 * played) is left alone: the user is looking elsewhere. The whole call never moves.
 */
export function followView(view: View, previous: number, t: number, playing: boolean, duration: number): View {
	if (!(duration > 0) || !Number.isFinite(t) || !isZoomed(view, duration)) return view;
	const end = view.start + view.span;
	const inside = (x: number) => x >= view.start && x <= end;
	if (inside(t)) return view;
	const seek = !playing || !Number.isFinite(previous) || Math.abs(t - previous) > SEEK_JUMP;
	if (!seek && !inside(previous)) return view;
	return clampView({ start: t - LEAD * view.span, span: view.span }, duration);
}

/** "7:30" style length of the visible window, for the zoom controls. */
export function describeSpan(span: number): string {
	const s = Math.round(span);
	if (s < 60) return `${s} s`;
	const m = Math.floor(s / 60);
	const r = s % 60;
	return r ? `${m} min ${r} s` : `${m} min`;
}

/**
 * A bar's or topic's width (percent of the track) at a zoom: its true length, but at least
 * its laid-out minimum (`$lib/timeline`'s `minWidth`, meant for the whole call) shrunk by
 * the zoom, so a short turn is as wide on screen at every zoom and not stretched when zoomed.
 */
export function zoomedWidth(span: { start: number; end: number; width: number }, duration: number, zoom: number): number {
	const exact = duration > 0 ? ((Math.min(span.end, duration) - Math.max(0, span.start)) / duration) * 100 : 0;
	return Math.max(exact, span.width / Math.max(1, zoom));
}
