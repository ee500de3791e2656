// Sharing a call outside the company (the call page's Share dialog): the body of
// `POST /parley/v1/calls/{id}/shares` and the state of each of the call's links. Every rule
// of what a link may be (its days, its recipient's length) is the server's: its 400 is shown.
// Pure functions: unit-tested in shares.test.ts.

import type { components } from './api/schema';

export type CallShare = components['schemas']['CallShare'];
export type ShareStatus = 'active' | 'expired' | 'revoked';

/** The expiry choices offered, in days, and the one chosen at first (the server's default). */
export const EXPIRY_DAYS: readonly number[] = [7, 30, 90, 365];
export const DEFAULT_EXPIRY_DAYS = 30;

/** "7 days", "1 year". */
export function expiryLabel(days: number): string {
	return days === 365 ? '1 year' : `${days} day${days === 1 ? '' : 's'}`;
}

/** The POST body: the recipient note trimmed, left out when empty. */
export function shareBody(recipient: string, expiresInDays: number): { expiresInDays: number; recipient?: string } {
	const note = recipient.trim();
	return note ? { expiresInDays, recipient: note } : { expiresInDays };
}

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);

/**
 * Whether a link still opens: revoked (before it expired), else expired once its expiry has
 * passed, else active. A link revoked after it had expired counts as expired.
 */
export function shareStatus(share: Pick<CallShare, 'expires' | 'revoked'>, now: number): ShareStatus {
	const expires = time(share.expires);
	const revoked = time(share.revoked);
	if (share.revoked && !(revoked >= expires)) return 'revoked';
	if (expires <= now) return 'expired';
	return 'active';
}

export const STATUS_LABEL: Record<ShareStatus, string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };

/** Whom a link was for, in words: its recipient note, or that it has none. */
export function recipientOf(share: Pick<CallShare, 'recipient'>): string {
	return share.recipient?.trim() || 'No recipient noted';
}
