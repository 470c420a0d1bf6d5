// Scenario "client": a stock @logux/client 0.23 Client in Node 20, default
// options (no allowDangerousProtocol) on ws://, against a node.
//
//   node edge/client-node.mjs --url ws://127.0.0.1:PORT [--tokens JSON | --token T]
//        [--timeout MS per step, 5000] [--settle MS, 300] [--trace FILE: alice's wire messages, NDJSON]
//
// Users: alice (the client under test) and carol (a second client that
// shares rooms with alice). The node needs the contract of README.md.
// Prints one JSON line per step (see lib.mjs), exit code 0 when all passed.
import { Client } from '@logux/client'
import { parseId } from '@logux/core'
import { writeFileSync } from 'node:fs'

import { catchErrors, check, kept, options, sleep, steps as newSteps, synchronized, undone, until, wire } from './lib.mjs'

const opts = options({ tokens: { type: 'string' }, trace: { type: 'string' } }, 'usage: node edge/client-node.mjs --url ws://127.0.0.1:PORT [--tokens JSON]')
const tokens = opts.tokens ? JSON.parse(opts.tokens) : {}
const tokenOf = user => tokens[user] ?? opts.token

// The client id random part is kept across a restart (a browser keeps it in
// localStorage); the tab id is new every time.
class KeptIdClient extends Client {
  getClientId() {
    return this.options.clientRandom || super.getClientId()
  }
}

const errors = []
const origError = console.error
console.error = (...args) => {
  errors.push(args.map(String).join(' '))
  origError(...args)
}

function makeClient(userId, clientRandom) {
  let client = new KeptIdClient({ clientRandom, server: opts.url, subprotocol: 1, token: tokenOf(userId), userId })
  let w = wire(client.node)
  let errors = catchErrors(client.node)
  let actions = []
  let resubscribes = []
  client.on('add', (action, meta) => {
    // what came from the node (the log also fires for the client's own actions)
    if (parseId(meta.id).clientId !== client.clientId) actions.push({ action, id: meta.id })
    if (meta.resubscribe) resubscribes.push({ channel: action.channel, id: meta.id, since: action.since })
  })
  return { actions, client, errors, resubscribes, w }
}
const got = (c, type, pred = () => true) => c.actions.filter(a => a.action.type === type && pred(a.action))

const steps = newSteps('client', opts.timeout)
let a = makeClient('alice')
let carol = makeClient('carol')
const settle = () => sleep(opts.settle)
// Texts and rooms are unique per run, so a node with history (or shared by
// several scenarios) does not confuse the counts.
const RUN = Math.random().toString(36).slice(2, 8)
const r1 = `r1-${RUN}`
const r2 = `r2-${RUN}`
const t = name => `${RUN}:${name}`

await steps.run('start', async () => {
  a.client.start()
  carol.client.start()
  await synchronized([a.client, carol.client], [a.errors, carol.errors])
  return { clientId: a.client.clientId, nodeId: a.client.nodeId, server: a.client.node.remoteNodeId }
}, { required: true })

await steps.run('headers', () => {
  let env = a.client.node.remoteHeaders.env
  check(env === 'development', `node headers ${JSON.stringify(a.client.node.remoteHeaders)}: env must be "development" for ws://`)
  return { headers: a.client.node.remoteHeaders }
})

await steps.run('stays-synchronized', async () => {
  await settle()
  check(a.client.state === 'synchronized', `state ${a.client.state} after ${opts.settle} ms (destroyed? ${errors.join(' | ')})`)
  return { state: a.client.state }
}, { required: true })

await steps.run('sync', async () => {
  let meta = await a.client.sync({ text: t('hello'), type: 'edge/add' })
  return { processedBy: meta.id }
})

await steps.run('subscribe', async () => {
  await Promise.all([
    a.client.sync({ channel: `edge/room/${r1}`, type: 'logux/subscribe' }),
    carol.client.sync({ channel: `edge/room/${r1}`, type: 'logux/subscribe' })
  ])
  let subs = Object.keys(a.client.subscriptions)
  check(subs.length === 1, `client.subscriptions ${JSON.stringify(subs)}`)
  return { subscriptions: subs }
})

await steps.run('load', async () => {
  await until(() => got(a, 'edge/loaded', x => x.channel === `edge/room/${r1}`).length === 1, 'edge/loaded for edge/room/r1')
})

await steps.run('channel', async () => {
  await a.client.sync({ room: r1, text: t('a-r1'), type: 'edge/say' })
  await carol.client.sync({ room: r1, text: t('c-r1'), type: 'edge/say' })
  await until(() => got(carol, 'edge/say', x => x.text === t('a-r1')).length === 1, 'carol gets alice\'s edge/say in r1')
  await until(() => got(a, 'edge/say', x => x.text === t('c-r1')).length === 1, 'alice gets carol\'s edge/say in r1')
  await settle()
  check(got(a, 'edge/say', x => x.text === t('a-r1')).length === 0, 'alice got her own action back')
})

await steps.run('refused', async () => {
  let undo = await undone(a.client.sync({ type: 'edge/refused' }))
  check(undo.reason === 'denied', `undo reason ${undo.reason}, expected denied`)
  check(undo.action && undo.action.type === 'edge/refused', `undo.action ${JSON.stringify(undo.action)}`)
  return { undo }
})

await steps.run('process-error', async () => {
  let undo = await undone(a.client.sync({ type: 'edge/fail' }))
  check(undo.reason === 'error', `undo reason ${undo.reason}, expected error`)
  return { undo }
})

await steps.run('unsubscribe', async () => {
  await a.client.sync({ channel: `edge/room/${r1}`, type: 'logux/unsubscribe' })
  check(Object.keys(a.client.subscriptions).length === 0, `client.subscriptions ${JSON.stringify(a.client.subscriptions)}`)
  await carol.client.sync({ room: r1, text: t('c-r1-after'), type: 'edge/say' })
  await settle()
  check(got(a, 'edge/say', x => x.text === t('c-r1-after')).length === 0, 'alice still gets edge/room/r1 after unsubscribe')
})

await steps.run('resubscribe', async () => {
  await a.client.sync({ channel: `edge/room/${r2}`, type: 'logux/subscribe' })
  await until(() => got(a, 'edge/loaded', x => x.channel === `edge/room/${r2}`).length === 1, 'edge/loaded for edge/room/r2')
  a.client.node.connection.connection.ws.close() // the network drops; Reconnect reconnects (1–1.5 s)
  await until(() => a.client.state === 'disconnected', 'disconnected')
  await until(() => a.client.state === 'synchronized', 'synchronized again')
  let re = await until(() => a.resubscribes.find(r => r.channel === `edge/room/${r2}`), 'the client resubscribes')
  await until(() => got(a, 'logux/processed', x => x.id === re.id).length === 1, `logux/processed for the resubscribe ${re.id}`)
  await carol.client.sync({ room: r2, text: t('c-r2'), type: 'edge/say' })
  await until(() => got(a, 'edge/say', x => x.text === t('c-r2')).length === 1, 'alice gets edge/room/r2 after the reconnect')
  return { resubscribe: re }
}, { timeout: opts.timeout + 6000 })

await steps.run('addressed-to-user', async () => {
  // alice's own action addressed to alice: her other clients get it, she does not.
  await a.client.sync({ text: t('a-to-alice'), to: 'alice', type: 'edge/say' })
  await carol.client.sync({ text: t('c-to-alice'), to: 'alice', type: 'edge/say' })
  await until(() => got(a, 'edge/say', x => x.text === t('c-to-alice')).length === 1, 'alice gets carol\'s edge/say to alice')
  await settle()
  let wrong = got(carol, 'edge/say', x => x.to === 'alice')
  check(wrong.length === 0, `carol got actions addressed to alice: ${JSON.stringify(wrong)}`)
})

await steps.run('no-echo', () => {
  let echoes = a.w.echoes(a.client.clientId)
  check(echoes.length === 0, `the node sent alice's own actions back: ${JSON.stringify(echoes.map(e => e.action))}`)
  return { received: a.w.incoming.length }
})

let before = a
await steps.run('restart', async () => {
  // Same client id (user:random), new tab id, empty log (connect synced 0):
  // the catch-up brings what is addressed to alice but none of her own actions.
  let random = a.client.clientId.split(':')[1]
  before.left = await kept(a.client.log)
  a.client.destroy()
  a = makeClient('alice', random)
  check(a.client.clientId === before.client.clientId && a.client.nodeId !== before.client.nodeId, 'same client id, new node id')
  a.client.start()
  await synchronized([a.client], [a.errors])
  await until(() => got(a, 'edge/say', x => x.text === t('c-to-alice')).length === 1, 'catch-up: carol\'s edge/say to alice')
  await settle()
  let echoes = a.w.echoes(a.client.clientId)
  check(echoes.length === 0, `after a restart the node sent alice's own actions back: ${JSON.stringify(echoes.map(e => e.action))}`)
  await a.client.sync({ text: t('after-restart'), type: 'edge/add' })
  return { nodeId: a.client.nodeId, received: a.w.incoming.length }
})

await steps.run('meta', () => {
  let bad = [...new Set([...before.w.foreignMeta(), ...a.w.foreignMeta(), ...carol.w.foreignMeta()])]
  check(bad.length === 0, `meta keys other than id, time, subprotocol from the node: ${bad.join(', ')}`)
})

await steps.run('log-clean', async () => {
  await settle()
  let left = [...(before.left || []), ...(await kept(a.client.log)), ...(await kept(carol.client.log))]
  check(left.length === 0, `entries kept in client logs: ${JSON.stringify(left)}`)
})

await steps.run('no-console-error', () => {
  // `debug` messages from the node are printed by the client as "Error on
  // Logux server"; they are allowed (a Logux server sends them in development).
  let bad = errors.filter(e => !e.startsWith('Error on Logux server'))
  check(bad.length === 0, bad.join(' | '))
  return { debugMessages: errors.length - bad.length }
})

a.client.destroy()
carol.client.destroy()
if (opts.trace) {
  // alice's wire traffic, both runs (before and after the restart), one message per line
  let lines = [...before.w.log.map(l => ({ client: before.client.nodeId, ...l })), ...(a === before ? [] : a.w.log.map(l => ({ client: a.client.nodeId, ...l })))]
  writeFileSync(opts.trace, lines.map(l => JSON.stringify(l)).join('\n') + '\n')
}
steps.done()
setTimeout(() => process.exit(), 50)
