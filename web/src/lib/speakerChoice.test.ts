import { describe, expect, it } from 'vitest';
import { choiceNote, otherUsers, partyName, speakerChoices, voicesOf } from './speakerChoice';

const party = (id: string, name: string | null, affiliation: string, extra: object = {}) => ({ id, name, affiliation, context: [], methods: [], ...extra });

describe('speakerChoices', () => {
	const parties = [
		party('3', 'Zed Buyer', 'External', { speakerId: '12' }),
		party('1', 'Mia Rep', 'Internal', { userId: '100', speakerId: '11' }),
		party('4', null, 'Unknown', { emailAddress: 'x@y.example' }),
		party('2', 'Al Rep', 'Internal', { userId: '101' })
	];
	it('lists company people first, then the other side, then unknown, by name', () => {
		expect(speakerChoices(parties).map((c) => c.partyId)).toEqual(['2', '1', '3', '4']);
	});
	it('keeps user and voice ties, names by e-mail or phone when nameless', () => {
		const c = speakerChoices(parties);
		expect(c[1]).toEqual({ partyId: '1', name: 'Mia Rep', affiliation: 'Internal', userId: '100', speakerId: '11' });
		expect(c[3]!.name).toBe('x@y.example');
		expect(partyName({ name: ' ', emailAddress: null, phoneNumber: '+1 555' })).toBe('+1 555');
		expect(partyName({})).toBe('Unnamed participant');
	});
	it('notes the side and the current tie', () => {
		const [al, mia, zed] = speakerChoices(parties);
		expect(choiceNote(al!, '11')).toBe('Company · no voice yet');
		expect(choiceNote(mia!, '11')).toBe('Company · this voice now');
		expect(choiceNote(zed!, '11')).toBe('Non-company · now tied to another voice');
	});
});

describe('voicesOf', () => {
	it('lists each voice once, in order of first appearance', () => {
		expect(voicesOf([{ speakerId: 'b' }, { speakerId: 'a' }, { speakerId: 'b' }, { speakerId: 'c' }])).toEqual(['b', 'a', 'c']);
		expect(voicesOf([])).toEqual([]);
	});
});

describe('otherUsers', () => {
	const u = (id: string, firstName: string, lastName: string, active = true) => ({ id, firstName, lastName, emailAddress: `${id}@x.example`, active });
	it('lists active users not on the call, by name', () => {
		const users = [u('3', 'Zoe', 'Z'), u('1', 'Ann', 'A'), u('2', 'Bo', 'B'), u('4', 'Old', 'O', false), u('5', '', '')];
		expect(otherUsers(users, [{ userId: '2' }, { userId: null }])).toEqual([
			{ userId: '5', name: '5@x.example', email: '5@x.example' },
			{ userId: '1', name: 'Ann A', email: '1@x.example' },
			{ userId: '3', name: 'Zoe Z', email: '3@x.example' }
		]);
	});
});
