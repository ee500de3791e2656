// The company's workspaces, for the pages that name them or offer them as a choice.
import { api, unwrap, type components } from '$lib/api';

export type Workspace = components['schemas']['WorkspaceWire'];

/** `GET /v2/workspaces`, or undefined when it could not be read: names and choices are a
 * nicety there, and the page keeps what it has. */
export async function loadWorkspaces(): Promise<Workspace[] | undefined> {
	try {
		return (await unwrap(api.GET('/v2/workspaces'))).workspaces;
	} catch {
		return undefined;
	}
}
