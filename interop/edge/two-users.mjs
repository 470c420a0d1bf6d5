// Scenario "users": two users on one node each receive only what is addressed
// to them.
//
//   node edge/two-users.mjs --url ws://127.0.0.1:PORT [--tokens JSON | --token T]
//        [--unaddressed none|all, what the node does with unaddressed actions: none]
//        [--timeout MS] [--settle MS]
//
// Clients: alice1 and alice2 (user alice, two client ids), bob (stock
// @logux/client), mallory (a bare @logux/core ClientNode, which can put any id
// and meta on the wire). The node needs the contract of README.md.
import { Client } from '@logux/client'
import { ClientNode, Log, MemoryStore, parseId, WsConnection } from '@logux/core'
import WebSocket from 'ws'

import { catchErrors, check, kept, options, sleep, steps as newSteps, synchronized, undone, until, wire } from './lib.mjs'

const opts = options(
  { tokens: { type: 'string' }, unaddressed: { default: 'none', type: 'string' } },
  'usage: node edge/two-users.mjs --url ws://127.0.0.1:PORT [--tokens JSON] [--unaddressed none|all]'
)
const tokens = opts.tokens ? JSON.parse(opts.tokens) : {}
const tokenOf = user => tokens[user] ?? opts.token
const RUN = Math.random().toString(36).slice(2, 8)
const t = name => `${RUN}:${name}`
const room = `edge/room/shared-${RUN}`
const settle = () => sleep(opts.settle)

function makeClient(userId) {
  let client = new Client({ server: opts.url, subprotocol: 1, token: tokenOf(userId), userId })
  let w = wire(client.node)
  let errors = catchErrors(client.node)
  let actions = []
  client.on('add', (action, meta) => {
    if (parseId(meta.id).clientId !== client.clientId) actions.push(action)
  })
  return { actions, client, errors, name: userId, w }
}

// A bare ClientNode: sends every action of its log with all its meta.
function makeRaw(nodeId) {
  let log = new Log({ nodeId, store: new MemoryStore() })
  let node = new ClientNode(nodeId, log, new WsConnection(opts.url, WebSocket), {
    subprotocol: 1,
    token: tokenOf(parseId(nodeId).userId)
  })
  let w = wire(node)
  let errors = catchErrors(node)
  let actions = []
  let own = new Set() // ids of other nodes that this one adds itself (forged)
  log.on('add', (action, meta) => {
    if (parseId(meta.id).nodeId !== nodeId && !own.has(meta.id)) actions.push(action)
  })
  return { actions, errors, log, node, own, w }
}

const says = c => c.actions.filter(a => a.type === 'edge/say' && String(a.text).startsWith(RUN)).map(a => a.text).sort()
const notes = c => c.actions.filter(a => a.type === 'edge/note' && String(a.text).startsWith(RUN)).map(a => a.text)
const answer = (c, type, id) => c.actions.find(a => a.type === type && a.id === id)

const steps = newSteps('users', opts.timeout)
let alice1 = makeClient('alice')
let alice2 = makeClient('alice')
let bob = makeClient('bob')
let mallory = makeRaw('mallory:m4ll0ry:tab')
const clients = [alice1, alice2, bob]

await steps.run('start', async () => {
  for (let c of clients) c.client.start()
  mallory.node.connection.connect()
  await synchronized([...clients.map(c => c.client), mallory.node], [...clients.map(c => c.errors), mallory.errors])
  return { clients: clients.map(c => c.client.nodeId).concat(mallory.node.localNodeId) }
}, { required: true })

await steps.run('subscribe', async () => {
  await Promise.all([alice1, bob].map(c => c.client.sync({ channel: room, type: 'logux/subscribe' })))
})

await steps.run('own-channel', async () => {
  await alice1.client.sync({ channel: 'edge/secret/alice', type: 'logux/subscribe' })
})

await steps.run('foreign-channel', async () => {
  let undo = await undone(alice1.client.sync({ channel: 'edge/secret/bob', type: 'logux/subscribe' }))
  check(undo.reason === 'denied', `undo reason ${undo.reason}`)
  return { undo }
})

await steps.run('send', async () => {
  await Promise.all([
    alice1.client.sync({ text: t('a1-to-bob'), to: 'bob', type: 'edge/say' }),
    alice1.client.sync({ text: t('a1-to-alice'), to: 'alice', type: 'edge/say' }),
    alice1.client.sync({ room: `shared-${RUN}`, text: t('a1-room'), type: 'edge/say' }),
    alice1.client.sync({ text: t('a1-note'), type: 'edge/note' }),
    bob.client.sync({ text: t('b-to-alice'), to: 'alice', type: 'edge/say' }),
    bob.client.sync({ room: `shared-${RUN}`, text: t('b-room'), type: 'edge/say' })
  ])
})

await steps.run('forged-id', async () => {
  // mallory sends an action whose id claims alice's client: denied, and nobody gets it.
  let id = `${Date.now()} alice:forged00:tab 0`
  mallory.own.add(id)
  await mallory.log.add({ text: t('forged'), to: 'bob', type: 'edge/say' }, { id, reasons: ['test'] })
  let undo = await until(() => answer(mallory, 'logux/undo', id), 'logux/undo for the forged id')
  check(undo.reason === 'denied', `undo reason ${undo.reason}`)
  return { undo }
})

await steps.run('foreign-meta', async () => {
  // mallory's own action with addressing meta of his own: the node drops the
  // key (or denies the action, as @logux/server does); bob gets nothing.
  let meta = await mallory.log.add({ text: t('m-meta'), type: 'edge/say' }, { reasons: ['test'], users: ['bob'] })
  let result = await until(() => answer(mallory, 'logux/processed', meta.id) || answer(mallory, 'logux/undo', meta.id), 'an answer')
  return { answer: result.type === 'logux/undo' ? `undo ${result.reason}` : 'processed (key dropped)' }
})

await steps.run('only-addressed', async () => {
  await settle()
  let expected = {
    alice1: [t('b-room'), t('b-to-alice')],
    alice2: [t('a1-to-alice'), t('b-to-alice')],
    bob: [t('a1-room'), t('a1-to-bob')],
    mallory: []
  }
  let got = { alice1: says(alice1), alice2: says(alice2), bob: says(bob), mallory: says(mallory) }
  for (let k in expected) {
    check(JSON.stringify(got[k]) === JSON.stringify(expected[k].sort()), `${k} received ${JSON.stringify(got[k])}, expected ${JSON.stringify(expected[k])}`)
  }
  return { received: got }
})

await steps.run('unaddressed', () => {
  let got = { alice2: notes(alice2), bob: notes(bob), mallory: notes(mallory) }
  let want = opts.unaddressed === 'all' ? [t('a1-note')] : []
  for (let k in got) {
    check(JSON.stringify(got[k]) === JSON.stringify(want), `--unaddressed ${opts.unaddressed}: ${k} received ${JSON.stringify(got[k])}`)
  }
  check(notes(alice1).length === 0, 'alice1 got her own edge/note back')
  return { policy: opts.unaddressed }
})

await steps.run('no-echo', () => {
  for (let c of clients) {
    let echoes = c.w.echoes(c.client.clientId)
    check(echoes.length === 0, `${c.client.nodeId} got its own actions back: ${JSON.stringify(echoes.map(e => e.action))}`)
  }
})

await steps.run('meta', () => {
  let bad = [...new Set([...clients.flatMap(c => c.w.foreignMeta()), ...mallory.w.foreignMeta()])]
  check(bad.length === 0, `meta keys other than id, time, subprotocol from the node: ${bad.join(', ')}`)
})

await steps.run('log-clean', async () => {
  let left = (await Promise.all(clients.map(c => kept(c.client.log)))).flat()
  check(left.length === 0, `entries kept in client logs: ${JSON.stringify(left)}`)
})

for (let c of clients) c.client.destroy()
mallory.node.destroy()
steps.done({ unaddressed: opts.unaddressed })
setTimeout(() => process.exit(), 50)
