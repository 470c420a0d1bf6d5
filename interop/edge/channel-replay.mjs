// Scenario "replay" (logux43): a stock @logux/client subscribed to a channel goes offline for a moment while another
// client adds to the channel, and comes back: it resubscribes with `since` and must get what it missed, once; nothing
// it made itself, nothing it had before. A client that subscribes for the first time (no `since`) gets the channel's
// history. Before logux43 a node without a `load` hook for the channel (every CLI node) sent nothing: the missed
// actions never came.
//
//   node edge/channel-replay.mjs --url ws://127.0.0.1:PORT [--room CHANNEL, replay/room-RANDOM]
//        [--timeout MS per step, 5000] [--settle MS to wait for anything more, 300]
//
// The node must address `replay/say {room, text}` to the channel `room` (a resend hook: ReplayContract in
// LoguxAppsTest) and have no load hook for that channel. Clients: reader (subscribes, goes offline, comes back),
// writer (says things), late (subscribes once everything was said). Prints one JSON line per step (lib.mjs); the
// `counts` step has, per client, how many times each text arrived over the wire.
import { Client } from '@logux/client'
import { parseId } from '@logux/core'

import { catchErrors, check, options, sleep, steps as newSteps, synchronized, until, wire } from './lib.mjs'

const opts = options({ room: { type: 'string' } },
  'usage: node edge/channel-replay.mjs --url ws://127.0.0.1:PORT [--room CHANNEL]')
const RUN = Math.random().toString(36).slice(2, 8)
const room = opts.room || `replay/room-${RUN}`

function makeClient(userId) {
  let client = new Client({ server: opts.url, subprotocol: 1, token: opts.token, userId })
  let w = wire(client.node)
  let errors = catchErrors(client.node)
  return { client, errors, w }
}

// How many times each text of replay/say came over the wire to this client.
function counts(c) {
  let n = {}
  for (let e of c.w.received('replay/say')) n[e.action.text] = (n[e.action.text] || 0) + 1
  return n
}
const has = (c, text) => (counts(c)[text] || 0) > 0
// Waits for test() a little less than a step's timeout, then fails saying what the client got.
const arrives = (c, test, what) => Promise.race([until(test, what),
  sleep(opts.timeout - 500).then(() => {
    throw new Error(`${what} never came: the client got ${JSON.stringify(counts(c))}`)
  })])
const say = (c, text) => c.client.sync({ room, text, type: 'replay/say' })

const steps = newSteps('replay', opts.timeout)
const reader = makeClient('reader')
const writer = makeClient('writer')

await steps.run('start', async () => {
  writer.client.start()
  await synchronized([writer.client.node], [writer.errors])
  await say(writer, 'before')
  reader.client.start()
  await synchronized([reader.client.node], [reader.errors])
  return { reader: reader.client.clientId, writer: writer.client.clientId }
}, { required: true })

await steps.run('first-subscribe', async () => {
  await reader.client.sync({ channel: room, type: 'logux/subscribe' }) // its history ("before"): checked in counts
  await say(writer, 'live1')
  await until(() => has(reader, 'live1'), 'live1, live')
  await say(reader, 'own1') // the reader's own action, addressed to the channel: never sent back to it
  return { counts: counts(reader) }
}, { required: true })

let resubscribe = null
reader.client.log.on('add', (action, meta) => {
  if (action.type === 'logux/subscribe' && meta.resubscribe) resubscribe = { action, id: meta.id, processed: false }
  if (action.type === 'logux/processed' && resubscribe && action.id === resubscribe.id) resubscribe.processed = true
})

await steps.run('away', async () => {
  reader.client.node.connection.disconnect()
  await until(() => reader.client.node.state === 'disconnected', 'reader offline')
  await say(writer, 'missed1')
  await say(writer, 'missed2')
  return {}
}, { required: true })

await steps.run('back', async () => {
  reader.client.node.connection.connect()
  await until(() => resubscribe && resubscribe.processed, 'the resubscription processed')
  check(resubscribe.action.since && resubscribe.action.since.id, `no since: ${JSON.stringify(resubscribe.action)}`)
  await arrives(reader, () => has(reader, 'missed1') && has(reader, 'missed2'), 'missed1 and missed2')
  await say(writer, 'live2')
  await until(() => has(reader, 'live2'), 'live2, live after the resubscription')
  return { since: resubscribe.action.since }
})

const late = makeClient('late')
await steps.run('late-subscribe', async () => {
  late.client.start()
  await synchronized([late.client.node], [late.errors])
  await late.client.sync({ channel: room, type: 'logux/subscribe' })
  await arrives(late, () => ['before', 'live1', 'own1', 'missed1', 'missed2', 'live2'].every(t => has(late, t)),
    'the channel\'s history')
  return {}
})

await steps.run('counts', async () => {
  await sleep(opts.settle) // anything more that would come
  let r = counts(reader)
  let l = counts(late)
  let expected = { before: 1, live1: 1, live2: 1, missed1: 1, missed2: 1 }
  check(JSON.stringify(Object.entries(r).sort()) === JSON.stringify(Object.entries(expected).sort()),
    `the reader got ${JSON.stringify(r)}, expected ${JSON.stringify(expected)} (own1 never)`)
  check(Object.values(l).every(n => n === 1) && Object.keys(l).length === 6, `the late client got ${JSON.stringify(l)}`)
  check(reader.w.echoes(reader.client.clientId).length === 0, 'the reader got its own actions back')
  let foreign = [...reader.w.foreignMeta(), ...late.w.foreignMeta()]
  check(foreign.length === 0, `meta keys beyond id, time, subprotocol: ${foreign}`)
  let errors = [...reader.errors, ...writer.errors, ...late.errors]
  check(errors.length === 0, `errors: ${errors.join(', ')}`)
  return { late: l, reader: r, readerId: parseId(reader.client.node.localNodeId).clientId }
})

for (let c of [reader, writer, late]) c.client.destroy()
steps.done()
process.exit()
