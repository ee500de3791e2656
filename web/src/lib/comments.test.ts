import { describe, expect, it } from 'vitest';
import { canDeleteComment, commentMarkers, commentParts, deletedText, insertMention, mentionMarkup, mentionMatches, mentionQuery, threads } from './comments';

describe('mentions', () => {
	it('splits text and mentions', () => {
		expect(commentParts('Hi @[Ada Lovelace](1001), see @[Bob](2) now')).toEqual([
			{ text: 'Hi ' },
			{ mention: 'Ada Lovelace', userId: '1001' },
			{ text: ', see ' },
			{ mention: 'Bob', userId: '2' },
			{ text: ' now' }
		]);
		expect(commentParts('@[A](1)')).toEqual([{ mention: 'A', userId: '1' }]);
	});
	it('leaves what only looks like a mention as text', () => {
		expect(commentParts('mail @[x](abc) or @[y]')).toEqual([{ text: 'mail @[x](abc) or @[y]' }]);
		expect(commentParts('')).toEqual([]);
	});
	it('writes the markup without characters that would break it', () => {
		expect(mentionMarkup('Ada (CTO) [x]', '7')).toBe('@[Ada CTO x](7)');
	});
	it('finds the @word before the caret', () => {
		expect(mentionQuery('Hello @gr', 9)).toEqual({ start: 6, query: 'gr' });
		expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
		expect(mentionQuery('mail a@b', 8)).toBeUndefined();
		expect(mentionQuery('Hello @gr and', 13)).toBeUndefined();
	});
	it('inserts a mention in place of the @word', () => {
		expect(insertMention('Hello @gr!', 6, 9, 'Grace Hopper', '2')).toEqual({ text: 'Hello @[Grace Hopper](2) !', caret: 25 });
	});
});

describe('threads', () => {
	const c = (id: string, at: number, posted: string, inReplyTo: string | null = null) => ({
		id, audioStartTime: at, audioEndTime: at, commenterUserId: '1', comment: id, posted, inReplyTo, duringCall: false, public: true
	});
	it('orders by moment, then posting; replies under their comment', () => {
		const t = threads([c('b', 30, '2024-01-02'), c('r2', 0, '2024-01-05', 'a'), c('a', 10, '2024-01-03'), c('r1', 0, '2024-01-04', 'a'), c('z', 10, '2024-01-01'), c('o', 5, '2024-01-01', 'gone')]);
		expect(t.map((x) => x.comment.id)).toEqual(['o', 'z', 'a', 'b']);
		expect(t[2]!.replies.map((r) => r.id)).toEqual(['r1', 'r2']);
	});
});

describe('commentMarkers', () => {
	const c = (id: string, at: number, comment: string, inReplyTo: string | null = null) => ({
		id, audioStartTime: at, audioEndTime: at, commenterUserId: '1', comment, posted: '2024-01-01', inReplyTo, duringCall: false, public: true
	});
	it('marks top-level comments within the timeline, with their text', () => {
		const m = commentMarkers([c('a', 50, 'Ask @[Grace](2)\nnow'), c('b', 10, 'x'.repeat(80)), c('r', 20, 'reply', 'a'), c('z', 120, 'late')], 100);
		expect(m.map((x) => [x.at, x.left])).toEqual([[10, 10], [50, 50]]);
		expect(m[1]!.label).toBe('Ask @Grace now');
		expect(m[0]!.label).toHaveLength(60);
		expect(commentMarkers([c('a', 1, 'x')], 0)).toEqual([]);
	});
});

describe('mention picker, deleting', () => {
	const users = [
		{ id: '1', name: 'Ada Lovelace', email: 'ada@example.com' },
		{ id: '2', name: 'Grace Hopper', email: 'grace@example.com' },
		{ id: '3', name: 'Alan Turing', email: 'turing@example.com' }
	];
	it('matches a word of the name or the start of the email', () => {
		expect(mentionMatches(users, 'ho').map((u) => u.id)).toEqual(['2']);
		expect(mentionMatches(users, 'TUR').map((u) => u.id)).toEqual(['3']);
		expect(mentionMatches(users, 'a').map((u) => u.id)).toEqual(['1', '3']);
		expect(mentionMatches(users, '').length).toBe(3);
		expect(mentionMatches(users, '', 2).length).toBe(2);
		expect(mentionMatches(users, 'velace')).toEqual([]);
	});
	it('offers Delete on one’s own comments, and on all to admins', () => {
		expect(canDeleteComment({ commenterUserId: '1' }, { userId: '1', role: 'member' })).toBe(true);
		expect(canDeleteComment({ commenterUserId: '2' }, { userId: '1', role: 'manager' })).toBe(false);
		expect(canDeleteComment({ commenterUserId: '2' }, { userId: '1', role: 'admin' })).toBe(true);
		expect(canDeleteComment({ commenterUserId: '1' }, undefined)).toBe(false);
	});
	it('says how many replies went with a comment', () => {
		expect(deletedText(1)).toBe('Comment deleted.');
		expect(deletedText(2)).toBe('Comment deleted, with 1 reply.');
		expect(deletedText(4)).toBe('Comment deleted, with 3 replies.');
	});
});
