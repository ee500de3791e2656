'use strict';
/*
 * Runs n8n's Gong node (n8n-nodes-base, the npm package behind every n8n install) against a
 * running Parley server, through n8n's own execution engine: n8n-core's RoutingNode executes
 * the node's declarative routing (request bodies built from the node's parameters, its
 * cursor paginator, its postReceive handlers that flatten calls and map errors), exactly as
 * an n8n workflow run does. Every operation the node has is run: call get / get many (every
 * filter, every content property, transcripts fetched through the node's own paginated
 * request, limits), user get / get many (filters), the resource pickers' list searches
 * (GET /v2/calls, GET /v2/users with cursors), and its error paths (unknown ids, bad
 * credentials).
 *
 * The answers are compared with what plain HTTP reads of the same endpoints give.
 * Environment: PARLEY_URL (no /v2), PARLEY_ACCESS_KEY, PARLEY_ACCESS_SECRET.
 * Output: PASS/FAIL per check, then `N passed, M failed`; exit 1 on any failure.
 */

const assert = require('node:assert/strict');
const path = require('node:path');
const os = require('node:os');
const fs = require('node:fs');

// n8n-core writes an instance key under N8N_USER_FOLDER (default ~/.n8n): keep it throw-away.
if (!process.env.N8N_USER_FOLDER) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-compat-'));
  process.env.N8N_USER_FOLDER = home;
  process.on('exit', () => fs.rmSync(home, { recursive: true, force: true }));
}

const { ExecuteContext, RoutingNode } = require('n8n-core');
const { Workflow, createRunExecutionData } = require('n8n-workflow');
const { Gong } = require('n8n-nodes-base/dist/nodes/Gong/Gong.node.js');
const { GongApi } = require('n8n-nodes-base/dist/credentials/GongApi.credentials.js');

const EXPECTED = { 'n8n-nodes-base': '2.41.1', 'n8n-core': '2.41.1' };

const base = (process.env.PARLEY_URL || '').replace(/\/$/, '');
const key = process.env.PARLEY_ACCESS_KEY;
const secret = process.env.PARLEY_ACCESS_SECRET;
if (!base || !key || !secret) {
  console.error('PARLEY_URL, PARLEY_ACCESS_KEY and PARLEY_ACCESS_SECRET are required');
  process.exit(2);
}
for (const [name, version] of Object.entries(EXPECTED)) {
  const got = require(`${name}/package.json`).version;
  if (got !== version) {
    console.error(`${name} ${got} installed, ${version} expected`);
    process.exit(2);
  }
}

const gong = new Gong();
const credentialType = new GongApi();
const nodeTypes = {
  getByName: () => gong,
  getByNameAndVersion: () => gong,
  getKnownTypes: () => ({}),
};

// What n8n's server (the `cli` package, not on npm as a library) provides to the engine:
// stored credentials, decrypted, and the credential type's `authenticate` applied. The Gong
// credential's is generic basic auth: username accessKey, password accessKeySecret.
function credentialsHelper(creds) {
  assert.deepEqual(credentialType.authenticate.properties.auth, {
    username: '={{ $credentials.accessKey }}',
    password: '={{ $credentials.accessKeySecret }}',
  });
  return {
    getParentTypes: () => [],
    getCredentialsProperties: () => credentialType.properties,
    isCredentialUsableByNode: () => true,
    getDecrypted: async () => ({ ...creds }),
    preAuthentication: async () => undefined,
    authenticate: async (c, _type, options) => ({
      ...options,
      auth: { username: c.accessKey, password: c.accessKeySecret },
    }),
  };
}

function context(parameters, creds) {
  const node = {
    id: 'gong-node',
    name: 'Gong',
    type: 'n8n-nodes-base.gong',
    typeVersion: 1,
    position: [0, 0],
    parameters: { authentication: 'accessToken', ...parameters },
    credentials: { gongApi: { id: '1', name: 'Parley' } },
  };
  const workflow = new Workflow({
    id: 'compat', name: 'compat', nodes: [node], connections: {}, active: false, nodeTypes,
    staticData: {}, settings: {},
  });
  const url = 'http://127.0.0.1';
  const additionalData = {
    credentialsHelper: credentialsHelper(creds),
    executionId: 'compat',
    variables: {},
    restApiUrl: url,
    instanceBaseUrl: url,
    webhookBaseUrl: url,
    webhookWaitingBaseUrl: url,
    webhookTestBaseUrl: url,
    formWaitingBaseUrl: url,
  };
  const inputData = { main: [[{ json: {} }]] };
  const executeData = { node, data: inputData, source: null };
  return new ExecuteContext(workflow, node, additionalData, 'manual', createRunExecutionData(), 0,
    [{ json: {} }], inputData, executeData, []);
}

const goodCreds = { baseUrl: base, accessKey: key, accessKeySecret: secret };

/** Runs the node once with these parameters; returns its output items' json. */
async function run(parameters, creds = goodCreds) {
  const ctx = context(parameters, creds);
  const out = await new RoutingNode(ctx, gong).runNode();
  return out[0].map((item) => item.json);
}

/** Calls one of the node's resource-picker searches with its cursor until the last page. */
async function listSearch(method, filter) {
  const ctx = context({ resource: 'call', operation: 'get' }, goodCreds);
  const results = [];
  let token;
  let pages = 0;
  do {
    const page = await gong.methods.listSearch[method].call(ctx, filter, token);
    results.push(...page.results);
    token = page.paginationToken;
    pages += 1;
    assert.ok(pages < 200, 'too many pages');
  } while (token);
  return { results, pages };
}

/** Plain HTTP, for the reference answers. */
async function http(method, p, body) {
  const r = await fetch(base + p, {
    method,
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${key}:${secret}`).toString('base64'),
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.equal(r.status, 200, `${method} ${p}: ${r.status}`);
  return r.json();
}

async function allPages(p, root) {
  const items = [];
  let cursor;
  do {
    const sep = p.includes('?') ? '&' : '?';
    const page = await http('GET', cursor ? `${p}${sep}cursor=${encodeURIComponent(cursor)}` : p);
    items.push(...page[root]);
    cursor = page.records.cursor;
  } while (cursor);
  return items;
}

async function expectError(promise, pattern) {
  try {
    await promise;
  } catch (e) {
    const text = `${e.message} ${e.description ?? ''} ${e.httpCode ?? ''}`;
    assert.match(text, pattern, `unexpected error: ${text}`);
    return `NodeApiError: ${e.message}`;
  }
  assert.fail(`expected an error matching ${pattern}`);
}

const results = [];
async function check(name, fn) {
  try {
    const detail = await fn();
    results.push(true);
    console.log(`PASS  ${name}${detail ? '  ' + detail : ''}`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL  ${name}  ${(e && e.stack ? e.message : String(e)).slice(0, 2000)}`);
    if (process.env.PARLEY_COMPAT_TRACE) console.error(e);
  }
}

const allProperties = [
  'pointsOfInterest', 'media', 'brief', 'publicComments', 'highlights', 'keyPoints', 'callOutcome',
  'outline', 'parties', 'structure', 'topics', 'trackers', 'transcript',
];

(async () => {
  const state = {};
  state.calls = await allPages('/v2/calls', 'calls');
  state.users = await allPages('/v2/users', 'users');
  const byId = new Map(state.calls.map((c) => [c.id, c]));
  const withTranscript = new Set();
  let cursor;
  do {
    const page = await http('POST', '/v2/calls/transcript', { filter: {}, cursor });
    for (const t of page.callTranscripts) if (t.transcript.length) withTranscript.add(t.callId);
    cursor = page.records.cursor;
  } while (cursor);

  await check('call getAll, returnAll (the node\'s cursor paginator)', async () => {
    const calls = await run({ resource: 'call', operation: 'getAll', returnAll: true,
      filters: {}, options: {} });
    assert.deepEqual(calls.map((c) => c.id).sort(), [...byId.keys()].sort());
    for (const c of calls) {
      // extractCalls flattens metaData into the item: every listed field must be there.
      for (const [k, v] of Object.entries(byId.get(c.id))) {
        assert.deepEqual(c[k], v, `call ${c.id} field ${k}`);
      }
    }
    return `${calls.length} calls`;
  });

  await check('call getAll with parties and topics (all it offers)', async () => {
    const calls = await run({ resource: 'call', operation: 'getAll', returnAll: true,
      filters: {}, options: { properties: ['parties', 'topics'] } });
    assert.equal(calls.length, byId.size);
    for (const c of calls) {
      assert.ok(Array.isArray(c.parties) && c.parties.length, `call ${c.id} has no parties`);
      assert.ok(Array.isArray(c.content?.topics), `call ${c.id} has no content.topics`);
    }
    return `${calls.length} calls`;
  });

  await check('call getAll with a limit', async () => {
    const calls = await run({ resource: 'call', operation: 'getAll', returnAll: false, limit: 2,
      filters: {}, options: {} });
    assert.equal(calls.length, Math.min(2, byId.size));
    return `${calls.length} calls`;
  });

  await check('call getAll with date, workspace, callIds and primaryUserIds filters', async () => {
    const first = state.calls[0];
    const starts = state.calls.map((c) => c.started).sort();
    const all = await run({ resource: 'call', operation: 'getAll', returnAll: true, options: {},
      filters: { fromDateTime: starts[0], toDateTime: '2100-01-01T00:00:00Z' } });
    assert.equal(all.length, byId.size, 'date filter');
    const ws = await run({ resource: 'call', operation: 'getAll', returnAll: true, options: {},
      filters: { workspaceId: first.workspaceId } });
    assert.deepEqual(ws.map((c) => c.id).sort(),
      state.calls.filter((c) => c.workspaceId === first.workspaceId).map((c) => c.id).sort());
    const ids = state.calls.slice(0, 2).map((c) => c.id);
    const some = await run({ resource: 'call', operation: 'getAll', returnAll: true, options: {},
      filters: { callIds: ids.join(',') } });
    assert.deepEqual(some.map((c) => c.id).sort(), [...ids].sort(), 'callIds filter');
    const host = await run({ resource: 'call', operation: 'getAll', returnAll: true, options: {},
      filters: { primaryUserIds: { __rl: true, mode: 'id', value: first.primaryUserId } } });
    assert.deepEqual(host.map((c) => c.id).sort(),
      state.calls.filter((c) => c.primaryUserId === first.primaryUserId).map((c) => c.id).sort());
    return `${ws.length} in workspace, ${host.length} hosted by ${first.primaryUserId}`;
  });

  await check('call get with every property (transcript by the node\'s paginated request)',
    async () => {
      // Calls with and without a transcript; the node fetches it with its own cursor loop.
      const targets = [
        ...state.calls.filter((c) => withTranscript.has(c.id)).slice(0, 3),
        ...state.calls.filter((c) => !withTranscript.has(c.id)).slice(0, 2),
      ];
      let sentences = 0;
      for (const target of targets) {
        const [call] = await run({ resource: 'call', operation: 'get',
          call: { __rl: true, mode: 'id', value: target.id },
          options: { properties: allProperties } });
        assert.deepEqual(call.metaData, target);
        assert.ok(Array.isArray(call.transcript), `call ${target.id}: no transcript array`);
        assert.equal(call.transcript.length > 0, withTranscript.has(target.id),
          `call ${target.id}: transcript presence`);
        assert.ok(Array.isArray(call.parties) && call.parties.length, `call ${target.id}: parties`);
        for (const m of call.transcript) sentences += m.sentences.length;
      }
      return `${targets.length} calls, ${sentences} transcript sentences`;
    });

  await check('call get unknown id -> "doesn\'t match" (404)', async () =>
    expectError(run({ resource: 'call', operation: 'get',
      call: { __rl: true, mode: 'id', value: '1234567890123' }, options: {} }),
    /required call doesn't match any existing one/));

  await check('user getAll, returnAll (POST /v2/users/extensive, all pages)', async () => {
    const users = await run({ resource: 'user', operation: 'getAll', returnAll: true, filters: {} });
    assert.deepEqual(users.map((u) => u.id).sort(), state.users.map((u) => u.id).sort());
    const listed = new Map(state.users.map((u) => [u.id, u]));
    for (const u of users) assert.deepEqual(u, listed.get(u.id), `user ${u.id}`);
    return `${users.length} users`;
  });

  await check('user getAll with a limit and with filters', async () => {
    const two = await run({ resource: 'user', operation: 'getAll', returnAll: false, limit: 2,
      filters: {} });
    assert.equal(two.length, Math.min(2, state.users.length));
    const ids = state.users.slice(0, 2).map((u) => u.id);
    const some = await run({ resource: 'user', operation: 'getAll', returnAll: true,
      filters: { userIds: ids.join(',') } });
    assert.deepEqual(some.map((u) => u.id).sort(), [...ids].sort());
    const created = await run({ resource: 'user', operation: 'getAll', returnAll: true,
      filters: { createdFromDateTime: '2000-01-01T00:00:00Z',
        createdToDateTime: '2100-01-01T00:00:00Z' } });
    assert.equal(created.length, state.users.length);
    return `${some.length} by id, ${created.length} by creation time`;
  });

  await check('user get', async () => {
    const target = state.users[0];
    const [user] = await run({ resource: 'user', operation: 'get',
      user: { __rl: true, mode: 'id', value: target.id } });
    assert.deepEqual(user, target);
    return `user ${target.id}`;
  });

  await check('user get unknown id -> "doesn\'t match" (404)', async () =>
    expectError(run({ resource: 'user', operation: 'get',
      user: { __rl: true, mode: 'id', value: '1234567890123' } }),
    /required user doesn't match any existing one/));

  await check('list search of calls (GET /v2/calls with cursors)', async () => {
    const { results: found, pages } = await listSearch('getCalls');
    assert.deepEqual(found.map((r) => r.value).sort(), [...byId.keys()].sort());
    return `${found.length} calls over ${pages} pages`;
  });

  await check('list search of users (GET /v2/users with cursors)', async () => {
    const { results: found, pages } = await listSearch('getUsers');
    assert.deepEqual(found.map((r) => r.value).sort(), state.users.map((u) => u.id).sort());
    for (const r of found) assert.doesNotMatch(r.name, /undefined|null/, `picker label ${r.name}`);
    return `${found.length} users over ${pages} pages`;
  });

  await check('unknown access key -> 401', async () =>
    expectError(run({ resource: 'user', operation: 'getAll', returnAll: true, filters: {} },
      { ...goodCreds, accessKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), /401|[Aa]uthori[sz]/));

  await check('wrong secret -> 401', async () =>
    expectError(run({ resource: 'call', operation: 'getAll', returnAll: true, filters: {},
      options: {} }, { ...goodCreds, accessKeySecret: `${secret}x` }), /401|[Aa]uthori[sz]/));

  const failed = results.filter((ok) => !ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
