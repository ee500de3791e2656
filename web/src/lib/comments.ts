// Comments on the call page: mentions in a comment's text (`@[name](userId)`, Gong's form,
// which the server checks: each must name a user of the company), and the order the
// comments are shown in.

import type { components } from './api/schema';
import { percent, type Marker } from './timeline';

type CommentView = components['schemas']['CommentView'];

export type CommentPart = { text: string } | { mention: string; userId: string };

const MENTION = /@\[([^\]@[]*)\]\((\d{1,19})\)/g;

/** A comment's text as plain runs and mentions, for display. */
export function commentParts(text: string): CommentPart[] {
	const out: CommentPart[] = [];
	let last = 0;
	for (const m of text.matchAll(MENTION)) {
		if (m.index > last) out.push({ text: text.slice(last, m.index) });
		out.push({ mention: m[1]!, userId: m[2]! });
		last = m.index + m[0].length;
	}
	if (last < text.length) out.push({ text: text.slice(last) });
	return out;
}

/** The text the server stores for a mention of a user. */
export function mentionMarkup(name: string, userId: string): string {
	return `@[${name.replace(/[[\]@()]/g, '')}](${userId})`;
}

/** The `@word` being typed just before the caret, if any (what the mention picker filters by). */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | undefined {
	const m = /(^|\s)@([^\s@[\]()]*)$/.exec(text.slice(0, caret));
	if (!m) return undefined;
	return { start: caret - m[2]!.length - 1, query: m[2]! };
}

/** Replaces the `@query` at `start` (up to the caret) with the mention; answers the text and the new caret. */
export function insertMention(text: string, start: number, caret: number, name: string, userId: string): { text: string; caret: number } {
	const markup = `${mentionMarkup(name, userId)} `;
	return { text: text.slice(0, start) + markup + text.slice(caret), caret: start + markup.length };
}

export interface Thread {
	comment: CommentView;
	replies: CommentView[];
}

/** Top-level comments by their moment in the call (then when posted), each with its replies
 * oldest first; a reply whose parent is not in the list is shown as a top-level comment. */
export function threads(comments: readonly CommentView[]): Thread[] {
	const ids = new Set(comments.map((c) => c.id));
	const top = comments.filter((c) => !c.inReplyTo || !ids.has(c.inReplyTo));
	const byPosted = (a: CommentView, b: CommentView) => a.posted.localeCompare(b.posted);
	return top
		.sort((a, b) => a.audioStartTime - b.audioStartTime || byPosted(a, b))
		.map((c) => ({ comment: c, replies: comments.filter((r) => r.inReplyTo === c.id).sort(byPosted) }));
}

/** The comments as timeline markers: each top-level comment at its start, labelled with its
 * text (mentions as names, cut at 60 characters); none past the end of the timeline. */
export function commentMarkers(comments: readonly CommentView[], duration: number): Marker[] {
	if (!(duration > 0)) return [];
	return threads(comments)
		.map((t) => t.comment)
		.filter((c) => Number.isFinite(c.audioStartTime) && c.audioStartTime <= duration)
		.map((c) => {
			const text = commentParts(c.comment)
				.map((p) => ('mention' in p ? `@${p.mention}` : p.text))
				.join('')
				.replace(/\s+/g, ' ')
				.trim();
			const at = Math.max(0, c.audioStartTime);
			return { at, left: percent(at, duration), label: text.length > 60 ? `${text.slice(0, 59)}…` : text };
		});
}

/** The users the mention picker offers for `query`: a word of the name or the email starts
 * with it (case aside); at most `most`. */
export function mentionMatches<U extends { name: string; email: string }>(users: readonly U[], query: string, most = 6): U[] {
	const q = query.toLowerCase();
	return users.filter((u) => u.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)) || u.email.toLowerCase().startsWith(q)).slice(0, most);
}

/** Whether the signed-in user is offered "Delete" on a comment: their own, or any for an
 * admin (the server's rule; it still decides). */
export function canDeleteComment(c: Pick<CommentView, 'commenterUserId'>, me: { userId: string; role: string } | undefined): boolean {
	return !!me && (me.role === 'admin' || c.commenterUserId === me.userId);
}

/** What the status line says after a delete (the server counts the comment and its replies). */
export function deletedText(deleted: number): string {
	const replies = deleted - 1;
	return replies > 0 ? `Comment deleted, with ${replies === 1 ? '1 reply' : `${replies} replies`}.` : 'Comment deleted.';
}
