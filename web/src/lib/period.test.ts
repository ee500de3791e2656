import { describe, expect, it } from 'vitest';
import { addDays, describePeriod, isDay, periodDays, periodFromQuery, periodToQuery, statsFilter } from './period';

const q = (s: string) => new URLSearchParams(s);

describe('period', () => {
	it('reads presets, custom days and falls back to 30 days', () => {
		expect(periodFromQuery(q(''))).toEqual({ kind: 'last', days: 30 });
		expect(periodFromQuery(q('period=7'))).toEqual({ kind: 'last', days: 7 });
		expect(periodFromQuery(q('period=90'))).toEqual({ kind: 'last', days: 90 });
		expect(periodFromQuery(q('period=45'))).toEqual({ kind: 'last', days: 30 });
		expect(periodFromQuery(q('from=2026-11-01&to=2026-11-30'))).toEqual({ kind: 'custom', from: '2026-11-01', to: '2026-11-30' });
		// reversed or impossible days are not guessed at
		expect(periodFromQuery(q('from=2026-11-30&to=2026-11-01'))).toEqual({ kind: 'last', days: 30 });
		expect(periodFromQuery(q('from=2026-02-30&to=2026-03-01&period=7'))).toEqual({ kind: 'last', days: 7 });
	});

	it('round-trips through the query string', () => {
		for (const s of ['', 'period=7', 'period=90', 'from=2026-01-01&to=2026-01-31']) {
			expect(periodToQuery(periodFromQuery(q(s))).toString()).toBe(s);
		}
	});

	it('turns "last N days" into N days ending today, toDate exclusive', () => {
		const today = new Date(2026, 11, 6, 23, 59); // 6 Dec 2026, local
		expect(periodDays({ kind: 'last', days: 7 }, today)).toEqual({ from: '2026-11-30', to: '2026-12-06' });
		expect(statsFilter({ kind: 'last', days: 7 }, today)).toEqual({ fromDate: '2026-11-30', toDate: '2026-12-07' });
		expect(statsFilter({ kind: 'last', days: 90 }, today).fromDate).toBe('2026-09-08');
		expect(statsFilter({ kind: 'custom', from: '2024-02-28', to: '2024-02-29' }, today)).toEqual({ fromDate: '2024-02-28', toDate: '2024-03-01' });
		expect(statsFilter({ kind: 'custom', from: '2026-12-31', to: '2026-12-31' }, today)).toEqual({ fromDate: '2026-12-31', toDate: '2027-01-01' });
	});

	it('does day arithmetic across month, year and DST changes', () => {
		expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
		expect(addDays('2026-10-24', 2)).toBe('2026-10-26');
		expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
		expect(isDay('2024-02-29')).toBe(true);
		expect(isDay('2025-02-29')).toBe(false);
		expect(isDay('2025-2-1')).toBe(false);
	});

	it('describes a period', () => {
		expect(describePeriod({ kind: 'last', days: 90 })).toBe('Last 90 days');
		expect(describePeriod({ kind: 'custom', from: '2026-11-01', to: '2026-11-30' }, 'en-GB')).toBe('1 Nov 2026 – 30 Nov 2026');
	});
});
