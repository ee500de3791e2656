import { describe, expect, it } from 'vitest';
import { buildFolderTree, deleteQuestion, fileableOptions, flattenTree, folderActions, folderHref, savedItemId, selectionAfterDelete, snippetLabel, subFolderIds } from './library';

const f = (id: string, name: string, parentFolderId: string | null = null) => ({ id, name, parentFolderId });

describe('library folder tree', () => {
	it('nests folders under their parents, sorted by name', () => {
		const tree = buildFolderTree([f('3', 'Great demos', '1'), f('1', 'Win/Loss'), f('2', 'EMEA playbook'), f('4', 'Alpha', '1')]);
		expect(flattenTree(tree).map((n) => [n.folder.name, n.depth, n.hasChildren])).toEqual([
			['EMEA playbook', 0, false],
			['Win/Loss', 0, true],
			['Alpha', 1, false],
			['Great demos', 1, false]
		]);
	});

	it('makes a folder whose parent is missing a root, and survives cycles and duplicates', () => {
		const orphan = flattenTree(buildFolderTree([f('5', 'Orphan', '99')]));
		expect(orphan).toEqual([{ folder: f('5', 'Orphan', '99'), depth: 0, hasChildren: false }]);
		const cyc = flattenTree(buildFolderTree([f('1', 'A', '2'), f('2', 'B', '1'), f('3', 'Self', '3'), f('3', 'Dup')]));
		expect(cyc.map((n) => n.folder.name).sort()).toEqual(['A', 'B', 'Self']);
		expect(cyc.filter((n) => n.depth === 0).length).toBeGreaterThan(0);
		expect(buildFolderTree([])).toEqual([]);
	});

	it('labels snippets', () => {
		expect(snippetLabel(42, 70)).toBe('0:42–1:10');
	});
});

const r = (id: string, name: string, parentFolderId: string | null, pub: boolean, mayManage: boolean, mayFileCalls: boolean) => ({
	id,
	name,
	parentFolderId,
	public: pub,
	mayManage,
	mayFileCalls
});

describe('managing the library', () => {
	it('offers only the actions the folder allows', () => {
		expect(folderActions(r('1', 'Mine', null, false, true, true))).toEqual({ rename: true, visibility: 'Make public', delete: true, newInside: true, removeCalls: true });
		expect(folderActions(r('1', 'Shared', null, true, true, false))).toMatchObject({ visibility: 'Make private', removeCalls: false });
		expect(folderActions(r('1', 'Theirs', null, true, false, true))).toEqual({ rename: false, visibility: undefined, delete: false, newInside: false, removeCalls: true });
		expect(folderActions(undefined)).toEqual({ rename: false, visibility: undefined, delete: false, newInside: false, removeCalls: false });
	});

	it('keeps the rights on the tree it builds', () => {
		const tree = buildFolderTree([r('2', 'Child', '1', true, false, true), r('1', 'Root', null, false, true, true)]);
		expect(tree[0]?.folder.mayManage).toBe(true);
		expect(tree[0]?.children[0]?.folder).toMatchObject({ name: 'Child', public: true, mayManage: false, mayFileCalls: true });
	});

	const all = [f('1', 'A'), f('2', 'B', '1'), f('3', 'C', '2'), f('4', 'D'), f('5', 'E', '1')];

	it('lists every folder under one', () => {
		expect(subFolderIds(all, '1').sort()).toEqual(['2', '3', '5']);
		expect(subFolderIds(all, '4')).toEqual([]);
		expect(subFolderIds([f('1', 'A', '2'), f('2', 'B', '1')], '1')).toEqual(['2']);
	});

	it('selects the parent (or nothing) after deleting the selected folder or one above it', () => {
		expect(selectionAfterDelete(all, '2', '2')).toBe('1');
		expect(selectionAfterDelete(all, '2', '3')).toBe('1');
		expect(selectionAfterDelete(all, '1', '3')).toBeUndefined();
		expect(selectionAfterDelete(all, '4', '4')).toBeUndefined();
		expect(selectionAfterDelete(all, '4', '5')).toBe('5');
		expect(selectionAfterDelete(all, '2', undefined)).toBeUndefined();
		// A parent the caller does not see is not selected.
		expect(selectionAfterDelete([f('7', 'G', '99')], '7', '7')).toBeUndefined();
		expect(folderHref('1')).toBe('/library?folder=1');
		expect(folderHref(undefined)).toBe('/library');
	});

	it('says what a delete takes with it', () => {
		expect(deleteQuestion('Q1', 0, 0)).toBe('Delete “Q1”? It holds no sub-folders or saved calls.');
		expect(deleteQuestion('Q1', 1, 1)).toBe('Delete “Q1”? Its 1 sub-folder (and what it holds) and its 1 saved call will be deleted too (the calls themselves stay).');
		expect(deleteQuestion('Q1', 0, 3)).toBe('Delete “Q1”? Its 3 saved calls will be deleted too (the calls themselves stay).');
		expect(deleteQuestion('Q1', 2, undefined)).toMatch(/^Delete “Q1”\? Its 2 sub-folders \(and what they hold\) and the calls saved in it will be deleted too/);
	});

	it('offers for filing only folders that allow it, with the folders above them disabled', () => {
		const opts = fileableOptions([r('1', 'Win/Loss', null, true, false, false), r('2', 'Great demos', '1', true, false, true), r('3', 'Hidden', null, true, false, false), r('4', 'Mine', null, false, true, true)]);
		expect(opts).toEqual([
			{ id: '4', label: 'Mine', disabled: false },
			{ id: '1', label: 'Win/Loss', disabled: true },
			{ id: '2', label: '— Great demos', disabled: false }
		]);
		expect(fileableOptions([])).toEqual([]);
	});

	it('finds a saved call’s item id only when the answer carries one', () => {
		expect(savedItemId({ itemId: '62' })).toBe('62');
		expect(savedItemId({})).toBeUndefined();
		expect(savedItemId({ itemId: '' })).toBeUndefined();
	});
});
