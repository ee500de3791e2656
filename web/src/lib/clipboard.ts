// Copy buttons (Settings' shown-once secrets, a user's password link).

/** Puts `text` on the clipboard; false when there is none (an insecure origin, permission
 * refused): the text then stays selectable where it is shown, to copy by hand. */
export async function copyText(text: string, clipboard: Pick<Clipboard, 'writeText'> | null | undefined = globalThis.navigator?.clipboard): Promise<boolean> {
	try {
		await clipboard!.writeText(text);
		return true;
	} catch {
		return false;
	}
}
