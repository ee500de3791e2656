// After a call is deleted from its page, the calls list says so once: the title is left in
// sessionStorage for the next page (this tab only) and taken from there.

const KEY = 'parley.deletedCall';

/** "Deleted “Discovery: Acme”". */
export function deletedMessage(title: string): string {
	return `Deleted “${title || 'Untitled call'}”`;
}

export function noteDeleted(storage: Pick<Storage, 'setItem'>, title: string): void {
	try {
		storage.setItem(KEY, title || 'Untitled call');
	} catch {
		// No storage (a private window's quota): the list just says nothing.
	}
}

/** The title of the call just deleted, once (it is forgotten as it is read). */
export function takeDeleted(storage: Pick<Storage, 'getItem' | 'removeItem'>): string | undefined {
	try {
		const t = storage.getItem(KEY);
		storage.removeItem(KEY);
		return t ?? undefined;
	} catch {
		return undefined;
	}
}
