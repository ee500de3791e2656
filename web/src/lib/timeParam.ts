// Deep links into a call: `?t=` in the call page's URL. Accepted forms: seconds (`83`,
// `83.5`), units (`1m23s`, `1h2m`, `45s`, `2m`) and clock time (`1:23`, `1:02:03`).
// Pure functions: unit-tested in timeParam.test.ts.

const UNITS = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;
const CLOCK = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/;

/** Seconds of a `t` value, or undefined when it is missing, malformed or negative. */
export function parseTimeParam(raw: string | null | undefined): number | undefined {
	const v = raw?.trim().toLowerCase();
	if (!v) return undefined;
	if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
	const clock = CLOCK.exec(v);
	if (clock) {
		const [, h, m, s] = clock;
		if (Number(m) > 59 && h !== undefined) return undefined;
		if (Number(s) >= 60) return undefined;
		return Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s);
	}
	const units = UNITS.exec(v);
	if (units && (units[1] ?? units[2] ?? units[3]) !== undefined) {
		return Number(units[1] ?? 0) * 3600 + Number(units[2] ?? 0) * 60 + Number(units[3] ?? 0);
	}
	return undefined;
}

/** The `t` value for a moment: whole seconds as `1h2m3s` / `1m23s` / `45s` (rounded down). */
export function formatTimeParam(seconds: number): string {
	const total = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	let out = '';
	if (h) out += `${h}h`;
	if (m) out += `${m}m`;
	if (s || !out) out += `${s}s`;
	return out;
}

/** `href` with `t` set to the moment (other query parameters and the hash kept). */
export function linkAt(href: string, seconds: number): string {
	const url = new URL(href);
	url.searchParams.set('t', formatTimeParam(seconds));
	return url.toString();
}
