// The Library page's folder tree, built from the flat GET /v2/library/folders answer
// (`parentFolderId` links). A folder whose parent is not in the answer (a private or
// unreachable parent) becomes a root, so nothing the API returned is hidden; a cycle is
// broken at the folder that closes it.

export interface FolderLike {
	id: string;
	name: string;
	parentFolderId?: string | null;
}

export interface FolderNode<F extends FolderLike = FolderLike> {
	folder: F;
	children: FolderNode<F>[];
}

export function buildFolderTree<F extends FolderLike>(folders: F[]): FolderNode<F>[] {
	const byId = new Map<string, FolderNode<F>>();
	for (const f of folders) if (!byId.has(f.id)) byId.set(f.id, { folder: f, children: [] });
	const roots: FolderNode<F>[] = [];
	for (const node of byId.values()) {
		const parentId = node.folder.parentFolderId;
		const parent = parentId ? byId.get(parentId) : undefined;
		if (parent && parent !== node && !isAncestor(node, parent, byId)) parent.children.push(node);
		else roots.push(node);
	}
	const sort = (list: FolderNode<F>[]) => {
		list.sort((a, b) => a.folder.name.localeCompare(b.folder.name) || a.folder.id.localeCompare(b.folder.id));
		for (const n of list) sort(n.children);
	};
	sort(roots);
	return roots;
}

/** Whether `node` is already above `candidate` (following parents already linked). */
function isAncestor<F extends FolderLike>(node: FolderNode<F>, candidate: FolderNode<F>, byId: Map<string, FolderNode<F>>): boolean {
	const seen = new Set<string>();
	let cur: FolderNode<F> | undefined = candidate;
	while (cur && !seen.has(cur.folder.id)) {
		if (cur === node) return true;
		seen.add(cur.folder.id);
		const p: string | null | undefined = cur.folder.parentFolderId;
		const up: FolderNode<F> | undefined = p ? byId.get(p) : undefined;
		// Only a link already made counts: the parent must hold cur among its children.
		cur = up && up.children.includes(cur) ? up : undefined;
	}
	return false;
}

/** The tree in display order with each folder's depth (for an indented list). */
export function flattenTree<F extends FolderLike>(roots: FolderNode<F>[], depth = 0): { folder: F; depth: number; hasChildren: boolean }[] {
	return roots.flatMap((n) => [{ folder: n.folder, depth, hasChildren: n.children.length > 0 }, ...flattenTree(n.children, depth + 1)]);
}

/** "0:42–1:10" of a snippet's seconds. */
export function snippetLabel(fromSec: number, toSec: number): string {
	const f = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
	return `${f(fromSec)}–${f(toSec)}`;
}

// ---- managing the library (GET /parley/v1/library/folders answers each folder's rights) ----

/** What `GET /parley/v1/library/folders` says the caller may do with a folder. */
export interface FolderRights extends FolderLike {
	public: boolean;
	/** Rename, make public or private, delete (and make folders inside it). */
	mayManage: boolean;
	/** Add calls and remove them. */
	mayFileCalls: boolean;
}

/** The actions the Library page offers for the selected folder; none it may not do. */
export interface FolderActions {
	rename: boolean;
	/** "Make public" / "Make private", or undefined when the caller may not change it. */
	visibility?: 'Make public' | 'Make private';
	delete: boolean;
	/** Whether "New folder" may go inside it. */
	newInside: boolean;
	/** A Remove button per saved call. */
	removeCalls: boolean;
}

export function folderActions(f: FolderRights | undefined): FolderActions {
	const manage = !!f?.mayManage;
	return {
		rename: manage,
		visibility: manage ? (f!.public ? 'Make private' : 'Make public') : undefined,
		delete: manage,
		newInside: manage,
		removeCalls: !!f?.mayFileCalls
	};
}

/** The ids of every folder under `id` (children, their children, ...), cycles ignored. */
export function subFolderIds<F extends FolderLike>(folders: F[], id: string): string[] {
	const out: string[] = [];
	const seen = new Set([id]);
	const queue = [id];
	while (queue.length) {
		const parent = queue.shift()!;
		for (const f of folders) {
			if (f.parentFolderId === parent && !seen.has(f.id)) {
				seen.add(f.id);
				out.push(f.id);
				queue.push(f.id);
			}
		}
	}
	return out;
}

/** The question a folder's delete asks: what goes with it (`calls` unknown: undefined). */
export function deleteQuestion(name: string, subFolders: number, calls: number | undefined): string {
	const parts: string[] = [];
	if (subFolders) parts.push(`its ${subFolders} sub-folder${subFolders === 1 ? ' (and what it holds)' : 's (and what they hold)'}`);
	if (calls === undefined) parts.push('the calls saved in it');
	else if (calls) parts.push(`its ${calls} saved call${calls === 1 ? '' : 's'}`);
	if (!parts.length) return `Delete “${name}”? It holds no sub-folders or saved calls.`;
	const what = parts.join(' and ');
	return `Delete “${name}”? ${what.charAt(0).toUpperCase()}${what.slice(1)} will be deleted too (the calls themselves stay).`;
}

/**
 * The folder to select once `deleted` is gone: the current selection when the delete did
 * not take it (nor a folder above it), else the deleted folder's parent when the caller
 * sees it, else none.
 */
export function selectionAfterDelete<F extends FolderLike>(folders: F[], deleted: string, selected: string | undefined): string | undefined {
	if (!selected) return undefined;
	const gone = new Set([deleted, ...subFolderIds(folders, deleted)]);
	if (!gone.has(selected)) return selected;
	const parent = folders.find((f) => f.id === deleted)?.parentFolderId ?? undefined;
	return parent && !gone.has(parent) && folders.some((f) => f.id === parent) ? parent : undefined;
}

/** `/library`, with `?folder=` when one is selected. */
export function folderHref(id: string | undefined): string {
	return id ? `/library?folder=${encodeURIComponent(id)}` : '/library';
}

/**
 * The folders "Add to library" offers, nested as on the Library page: those the caller
 * may file calls in, and (disabled, for their place in the tree) the folders above them.
 */
export function fileableOptions<F extends FolderRights>(folders: F[]): { id: string; label: string; disabled: boolean }[] {
	const keep = (n: FolderNode<F>): boolean => n.folder.mayFileCalls || n.children.some(keep);
	const walk = (nodes: FolderNode<F>[], depth: number): { id: string; label: string; disabled: boolean }[] =>
		nodes.filter(keep).flatMap((n) => [
			{ id: n.folder.id, label: `${'— '.repeat(depth)}${n.folder.name}`, disabled: !n.folder.mayFileCalls },
			...walk(n.children, depth + 1)
		]);
	return walk(buildFolderTree(folders), 0);
}

/**
 * The id `DELETE /parley/v1/library/folders/{id}/calls/{item}` takes for a saved call of
 * `GET /v2/library/folder-content`, when the answer carries it (`itemId`; Gong's `id` there
 * is the call's, so a call saved twice needs the item's own id). Undefined: no Remove.
 */
export function savedItemId(call: object): string | undefined {
	const id = (call as { itemId?: unknown }).itemId;
	return typeof id === 'string' && id ? id : undefined;
}
