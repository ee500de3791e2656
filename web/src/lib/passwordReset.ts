// /reset-password: the link `parley users reset-link EMAIL` prints,
// `{public_url}/reset-password?token=<token>`. The token is read once and then taken out of
// the address bar (and so out of the history and of anything shown on screen). No DOM, no
// fetch: the page does the I/O; the server judges the token and the password.

/** The reset token of the link, or undefined when the link has none (cut short, pasted in part). */
export function resetTokenOf(search: URLSearchParams): string | undefined {
	const t = search.get('token')?.trim();
	return t ? t : undefined;
}

/** The same address without `token` (other parameters and the fragment kept): `/reset-password`. */
export function withoutToken(url: URL): string {
	const params = new URLSearchParams(url.search);
	params.delete('token');
	const q = params.toString();
	return `${url.pathname}${q ? `?${q}` : ''}${url.hash}`;
}
