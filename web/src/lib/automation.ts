// Settings › Automation: a rule's filter and actions in words, and a delivery's state.
// What a rule does is the server's; this only says it.

import type { components } from '$lib/api';

export type RuleView = components['schemas']['RuleView'];
export type RuleFilter = components['schemas']['RuleCallFilter'];
export type DeliveryView = components['schemas']['DeliveryView'];
type ActionView = RuleView['actions'][number];

const list = (xs: string[], or = 'or') => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} ${or} ${xs.at(-1)}`);

/** "Outbound or Inbound calls · with outside participants · at least 5 min · …"; an empty
 * filter is "Every call". Tracker ids are named with `trackerName` when it knows them,
 * user ids with `userName` when it knows them all (else they are counted). */
export function filterWords(
	f: Partial<RuleFilter>,
	trackerName: (id: string) => string | undefined = () => undefined,
	userName: (id: string) => string | undefined = () => undefined
): string {
	const people = (ids: string[], what: string) => {
		const names = ids.map((id) => userName(String(id)));
		return names.every((n) => n) ? list(names as string[]) : `${ids.length} chosen ${ids.length === 1 ? what : `${what}s`}`;
	};
	const parts: string[] = [];
	if (f.directions?.length) parts.push(`${list(f.directions)} calls`);
	if (f.scopes?.length) parts.push(`${list(f.scopes.map((s) => s.toLowerCase()))} scope`);
	if (f.externalParticipants === true) parts.push('with outside participants');
	if (f.externalParticipants === false) parts.push('without outside participants');
	if (f.participantDomains?.length) parts.push(`with someone from ${list(f.participantDomains)}`);
	if (f.primaryUsers?.length) parts.push(`hosted by ${people(f.primaryUsers, 'user')}`);
	if (f.teams?.length) parts.push(`hosted in the team of ${people(f.teams, 'user')}`);
	if (f.minDurationSec != null) parts.push(`at least ${Math.round(f.minDurationSec / 60)} min`);
	if (f.maxDurationSec != null) parts.push(`at most ${Math.round(f.maxDurationSec / 60)} min`);
	if (f.trackers?.length)
		parts.push(
			`when ${list(
				f.trackers.map((t) => {
					const n = trackerName(String(t.trackerId)) ?? `tracker ${t.trackerId}`;
					return (t.minCount ?? 1) > 1 ? `${n} (${t.minCount}×)` : n;
				})
			)} fired`
		);
	if (f.topics?.length) parts.push(`discussing ${list(f.topics)}`);
	if (f.titleWords?.length) parts.push(`titled with ${list(f.titleWords.map((w) => `“${w}”`))}`);
	if (f.crm) parts.push(`linked to a CRM ${f.crm.objectType ?? 'object'}${f.crm.field ? ` whose ${f.crm.field} is ${JSON.stringify(f.crm.value)}` : ''}`);
	if (!parts.length) return 'Every call';
	const s = parts.join(' · ');
	return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The host a webhook posts to (never the whole URL: with SecretInUrl it holds the secret). */
export function webhookHost(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return 'an invalid URL';
	}
}

export function actionWords(a: ActionView): string {
	if (a.type === 'Webhook') {
		const w = a as components['schemas']['RuleWebhook'];
		return `Webhook to ${webhookHost(w.url)} (${w.auth === 'Jwt' ? 'signed JWT' : 'secret in the URL'})`;
	}
	const c = a as components['schemas']['CrmActionView'];
	return `CRM: write the tracker's phrases to ${c.objectType}.${c.field}${c.mergeWithCurrent ? ' (merged)' : ''}`;
}

/** A delivery's state for people, and whether replaying it makes sense. */
export function deliveryState(d: Pick<DeliveryView, 'state' | 'responseCode' | 'attempts'>): { label: string; replayable: boolean } {
	const code = d.responseCode != null ? ` (HTTP ${d.responseCode})` : '';
	switch (d.state) {
		case 'delivered':
			return { label: `Delivered${code}`, replayable: true };
		case 'pending':
			return { label: d.attempts ? `Retrying${code}, ${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'} so far` : 'Waiting to be sent', replayable: false };
		case 'failed':
			return { label: `Failed${code}`, replayable: true };
		case 'cancelled':
			return { label: 'Cancelled', replayable: true };
		default:
			return { label: d.state, replayable: false };
	}
}
