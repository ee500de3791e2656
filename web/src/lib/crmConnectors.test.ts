import { describe, expect, it } from 'vitest';
import {
	byWorkspace,
	connectorBody,
	draftOfConnector,
	emptyConnectorDraft,
	heldSecrets,
	kindLabel,
	secretsSummary,
	settingRows,
	type ConnectorView
} from './crmConnectors';

const salesforce: ConnectorView = {
	id: '9300000000000000001',
	workspaceId: '5000000000000000001',
	name: 'Salesforce',
	kind: 'salesforce',
	settings: { loginUrl: 'https://login.salesforce.com', apiVersion: 'v62.0', auth: 'client_credentials', clientId: '3MVG9' },
	secrets: { clientSecret: '<redacted>' },
	created: '2024-03-01T09:00:00Z',
	updated: '2024-03-01T09:00:00Z'
};

const hubspot: ConnectorView = {
	...salesforce,
	id: '9300000000000000002',
	workspaceId: '5000000000000000002',
	name: 'HubSpot',
	kind: 'hubspot',
	settings: { baseUrl: 'https://api.hubapi.com' },
	secrets: { token: '<redacted>' }
};

describe('the connector form', () => {
	it('sends only the fields of the kind, blanks left out, the workspace on create', () => {
		const d = { ...emptyConnectorDraft('5000000000000000002'), name: ' Salesforce ', clientId: ' 3MVG9 ', clientSecret: 's3cret', token: 'ignored', baseUrl: 'https://x' };
		expect(connectorBody(d, 'create')).toEqual({
			name: 'Salesforce',
			kind: 'salesforce',
			workspaceId: '5000000000000000002',
			auth: 'client_credentials',
			clientId: '3MVG9',
			clientSecret: 's3cret'
		});
		expect(connectorBody({ ...d, workspaceId: '' }, 'create').workspaceId).toBeUndefined();
		expect(connectorBody(d, 'edit').workspaceId).toBeUndefined();
	});

	it('sends what the JWT bearer flow needs instead of a client secret', () => {
		const key = '-----BEGIN PRIVATE KEY-----\nMII…\n-----END PRIVATE KEY-----\n';
		const d = { ...emptyConnectorDraft(), name: 'SF', auth: 'jwt_bearer' as const, clientId: 'c', clientSecret: 'left over', username: 'bot@acme.com', privateKey: key, loginUrl: 'https://test.salesforce.com', apiVersion: 'v61.0' };
		expect(connectorBody(d, 'create')).toEqual({
			name: 'SF',
			kind: 'salesforce',
			loginUrl: 'https://test.salesforce.com',
			apiVersion: 'v61.0',
			auth: 'jwt_bearer',
			clientId: 'c',
			username: 'bot@acme.com',
			privateKey: key
		});
	});

	it('HubSpot sends its URL and token; Parley objects need nothing', () => {
		expect(connectorBody({ ...emptyConnectorDraft('', 'hubspot'), name: 'HS', token: 'pat-na1-x', clientId: 'no' }, 'create')).toEqual({ name: 'HS', kind: 'hubspot', token: 'pat-na1-x' });
		expect(connectorBody({ ...emptyConnectorDraft('', 'parley'), name: 'Ours', clientId: 'no', token: 'no' }, 'create')).toEqual({ name: 'Ours', kind: 'parley' });
	});

	it('an edit starts from the shown settings with every secret empty, and keeps a secret left empty', () => {
		const d = draftOfConnector(salesforce);
		expect(d).toMatchObject({ name: 'Salesforce', kind: 'salesforce', workspaceId: salesforce.workspaceId, loginUrl: 'https://login.salesforce.com', apiVersion: 'v62.0', auth: 'client_credentials', clientId: '3MVG9', clientSecret: '' });
		const body = connectorBody({ ...d, name: 'Salesforce EU' }, 'edit');
		expect(body).toEqual({ name: 'Salesforce EU', kind: 'salesforce', loginUrl: 'https://login.salesforce.com', apiVersion: 'v62.0', auth: 'client_credentials', clientId: '3MVG9' });
		expect('clientSecret' in body).toBe(false);
		// Spaces are not a secret either.
		expect('clientSecret' in connectorBody({ ...d, clientSecret: '   ' }, 'edit')).toBe(false);
		expect(connectorBody({ ...d, clientSecret: 'new' }, 'edit').clientSecret).toBe('new');
		expect(draftOfConnector(hubspot)).toMatchObject({ kind: 'hubspot', baseUrl: 'https://api.hubapi.com', token: '' });
	});

	it('reads settings it does not know without failing', () => {
		const odd = { ...salesforce, kind: 'zoho', settings: null };
		expect(draftOfConnector(odd)).toMatchObject({ kind: 'parley', loginUrl: '' });
		expect(settingRows(odd)).toEqual([]);
		expect(kindLabel('zoho')).toBe('zoho');
	});
});

describe('a connector in words', () => {
	it('names its settings, and its secrets without their values', () => {
		expect(settingRows(salesforce)).toEqual([
			{ key: 'loginUrl', label: 'Login URL', value: 'https://login.salesforce.com' },
			{ key: 'apiVersion', label: 'API version', value: 'v62.0' },
			{ key: 'auth', label: 'Signs in with', value: 'Client credentials' },
			{ key: 'clientId', label: 'Client id', value: '3MVG9' }
		]);
		expect(settingRows({ settings: { baseUrl: 'https://api.hubapi.com', extra: { a: 1 }, none: null } })).toEqual([
			{ key: 'baseUrl', label: 'API URL', value: 'https://api.hubapi.com' },
			{ key: 'extra', label: 'extra', value: '{"a":1}' }
		]);
		expect(heldSecrets(salesforce)).toEqual(['clientSecret']);
		expect(secretsSummary(salesforce)).toBe('Client secret');
		expect(secretsSummary({ secrets: { privateKey: '<redacted>', clientSecret: '<redacted>' } })).toBe('Private key and client secret');
		expect(secretsSummary({ secrets: {} })).toBe('None');
		expect(kindLabel('hubspot')).toBe('HubSpot');
	});

	it('groups connectors by workspace, empty workspaces shown when there are several', () => {
		const ws = [
			{ id: '5000000000000000001', name: 'Sales' },
			{ id: '5000000000000000002', name: 'Success' },
			{ id: '5000000000000000003', name: 'EMEA' }
		];
		const b = { ...salesforce, id: '9300000000000000003', name: 'Another' };
		const stray = { ...hubspot, id: '9300000000000000004', workspaceId: '77' };
		const groups = byWorkspace([salesforce, hubspot, b, stray], ws);
		expect(groups.map((g) => [g.name, g.connectors.map((c) => c.name)])).toEqual([
			['Sales', ['Another', 'Salesforce']],
			['Success', ['HubSpot']],
			['EMEA', []],
			['Workspace 77', ['HubSpot']]
		]);
		expect(byWorkspace([salesforce], [ws[0]!]).map((g) => g.name)).toEqual(['Sales']);
		expect(byWorkspace([], [ws[0]!])).toEqual([]);
		expect(byWorkspace([salesforce], []).map((g) => g.name)).toEqual(['Workspace 5000000000000000001']);
	});
});
