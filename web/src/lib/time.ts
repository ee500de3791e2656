// Formatting of durations, media times and dates. Pure functions: unit-tested in time.test.ts.

/** `h:mm:ss` or `m:ss` for a number of seconds (rounded down); "0:00" for anything not a finite, non-negative number. */
export function formatDuration(seconds: number): string {
	if (!Number.isFinite(seconds) || seconds < 0) return '0:00';
	const total = Math.floor(seconds);
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	const ss = String(s).padStart(2, '0');
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A duration for a screen reader or a title: "1 h 2 min 3 s", "4 min 7 s", "0 s". */
export function describeDuration(seconds: number): string {
	if (!Number.isFinite(seconds) || seconds < 0) return '0 s';
	const total = Math.floor(seconds);
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	const parts: string[] = [];
	if (h) parts.push(`${h} h`);
	if (m) parts.push(`${m} min`);
	if (s || parts.length === 0) parts.push(`${s} s`);
	return parts.join(' ');
}

/** Milliseconds (the API's transcript unit) to seconds (the media element's unit). */
export function msToSeconds(ms: number): number {
	return ms / 1000;
}

/**
 * A date and time for people, in the browser's locale and zone unless given. An
 * unparseable string comes back as it is, so nothing is hidden.
 */
export function formatDateTime(iso: string, locale?: string, timeZone?: string): string {
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
}

/** A date for people ("4 Mar 2024" in en-GB), in the browser's locale and zone unless given; an
 * unparseable string comes back as it is. */
export function formatDate(iso: string, locale?: string, timeZone?: string): string {
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(d);
}
