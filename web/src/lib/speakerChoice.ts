// "Who is this voice?": the choices the call page offers when a speaker label is wrong.
// The server decides (PUT /parley/v1/calls/{id}/speakers/{speaker} ties the voice to a party
// of the call, or to a company user, who becomes a party when not on the call); this only
// lists the call's parties and the other company users in a stable, readable order.

import type { components } from './api/schema';

type PartyWire = components['schemas']['PartyWire'];

export interface SpeakerChoice {
	partyId: string;
	/** The party's name, else e-mail, else phone number. */
	name: string;
	affiliation: string;
	/** A company user (the voice then teaches their voiceprint). */
	userId?: string;
	/** The voice this party is tied to now, if any. */
	speakerId?: string;
}

export function partyName(p: Pick<PartyWire, 'name' | 'emailAddress' | 'phoneNumber'>): string {
	return p.name?.trim() || p.emailAddress?.trim() || p.phoneNumber?.trim() || 'Unnamed participant';
}

const SIDE_ORDER: Record<string, number> = { Internal: 0, External: 1 };

/** Every party of the call as a choice: company people first, then by name. */
export function speakerChoices(parties: readonly PartyWire[]): SpeakerChoice[] {
	return parties
		.map((p) => ({
			partyId: p.id,
			name: partyName(p),
			affiliation: p.affiliation,
			userId: p.userId ?? undefined,
			speakerId: p.speakerId ?? undefined
		}))
		.sort((a, b) => (SIDE_ORDER[a.affiliation] ?? 2) - (SIDE_ORDER[b.affiliation] ?? 2) || a.name.localeCompare(b.name));
}

/** The transcript's voices in order of first appearance. */
export function voicesOf(segments: readonly { speakerId: string }[]): string[] {
	const seen = new Set<string>();
	for (const s of segments) seen.add(s.speakerId);
	return [...seen];
}

/** What a choice says beside its name: its side, and whose voice it has now. */
export function choiceNote(c: SpeakerChoice, forSpeaker: string): string {
	const side = c.affiliation === 'Internal' ? 'Company' : c.affiliation === 'External' ? 'Non-company' : 'Side unknown';
	if (!c.speakerId) return `${side} · no voice yet`;
	if (c.speakerId === forSpeaker) return `${side} · this voice now`;
	return `${side} · now tied to another voice`;
}

export interface UserChoice {
	userId: string;
	name: string;
	email: string;
}

/** Active company users who are not a party of the call, by name: the "someone else" list. */
export function otherUsers(
	users: readonly { id: string; firstName?: string; lastName?: string; emailAddress: string; active: boolean }[],
	parties: readonly Pick<PartyWire, 'userId'>[]
): UserChoice[] {
	const on = new Set(parties.map((p) => p.userId).filter(Boolean));
	return users
		.filter((u) => u.active && !on.has(u.id))
		.map((u) => ({ userId: u.id, name: `${u.firstName ?? ''} ${u.lastName ?? ''}`.trim() || u.emailAddress, email: u.emailAddress }))
		.sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}
