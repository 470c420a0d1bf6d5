// Trial (apps35): a user's app against one node: two clients of one user with a token, a channel, actions
// both ways, offline and back, a denied action, and the node's restart (a kill -9 of a CLI node). Steps that
// need the node restarted wait on stdin ("restart" prints, then a line on stdin continues).
//   node edge/app-trial.mjs --url ws://127.0.0.1:PORT --token T
import { Client } from '@logux/client'
import { parseId } from '@logux/core'
import { createInterface } from 'node:readline'
import WebSocket from 'ws'

import { catchErrors, options, sleep, steps as newSteps, synchronized, undone, until, wire } from './lib.mjs'

globalThis.WebSocket ??= WebSocket
const opts = options({ tokens: { type: 'string' } }, 'usage: node edge/app-trial.mjs --url URL --token T')
const RUN = Math.random().toString(36).slice(2, 8)
const room = `room/${RUN}`
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()

function make(userId) {
  let client = new Client({ server: opts.url, subprotocol: 1, token: opts.token, userId })
  let w = wire(client.node)
  let errors = catchErrors(client.node)
  let got = []
  client.on('add', (action, meta) => {
    if (parseId(meta.id).clientId !== client.clientId) got.push({ action, id: meta.id })
  })
  return { client, errors, got, w }
}
const texts = (c, type) => c.got.filter(g => g.action.type === type).map(g => g.action.text)

const steps = newSteps('app-trial', opts.timeout)
let t1 = make('alice')
let t2 = make('alice')
await steps.run('start', async () => {
  t1.client.start()
  t2.client.start()
  await synchronized([t1.client, t2.client], [t1.errors, t2.errors])
  return { t1: t1.client.nodeId, t2: t2.client.nodeId }
}, { required: true })
await steps.run('subscribe', async () => {
  await t1.client.sync({ type: 'logux/subscribe', channel: room })
  await t2.client.sync({ type: 'logux/subscribe', channel: room })
})
await steps.run('add-both-ways', async () => {
  await t1.client.sync({ type: 'chat/add', text: `${RUN} a1` })
  await t2.client.sync({ type: 'chat/add', text: `${RUN} b1` })
  await until(() => texts(t2, 'chat/add').includes(`${RUN} a1`) && texts(t1, 'chat/add').includes(`${RUN} b1`),
    'each tab has the other\'s action')
  return { t1: texts(t1, 'chat/add'), t2: texts(t2, 'chat/add') }
})
await steps.run('denied', async () => {
  // an id of another client (a stock client strips address keys from meta, so they are not a denial's cause)
  let id = `${Date.now()} alice:forged00:tab 0`
  let undos = () => t1.got.filter(g => g.action.type === 'logux/undo' && g.action.id === id)
  let processed = () => t1.got.filter(g => g.action.type === 'logux/processed' && g.action.id === id)
  await t1.client.log.add({ type: 'chat/add', text: `${RUN} forged` }, { id, reasons: ['syncing'], sync: true })
  await until(() => undos().length > 0 || processed().length > 0, 'an answer')
  await sleep(300)
  return { undo: undos().map(u => u.action.reason), processed: processed().length,
    t2sawIt: texts(t2, 'chat/add').includes(`${RUN} forged`) }
})
await steps.run('offline-and-back', async () => {
  t1.client.node.connection.disconnect()
  await until(() => t1.client.state === 'disconnected', 'offline')
  let p = t1.client.sync({ type: 'chat/add', text: `${RUN} offline` })
  await t2.client.sync({ type: 'chat/add', text: `${RUN} b2` })
  await sleep(200)
  t1.client.node.connection.connect()
  await p
  await until(() => texts(t2, 'chat/add').includes(`${RUN} offline`) && texts(t1, 'chat/add').includes(`${RUN} b2`),
    'both actions crossed')
  return { state: t1.client.state }
})
console.log(JSON.stringify({ step: 'restart-now' }))
await lines.next()
await steps.run('after-restart', async () => {
  await until(() => t1.client.state === 'synchronized' && t2.client.state === 'synchronized', 'reconnected')
  let p = t1.client.sync({ type: 'chat/add', text: `${RUN} a3` })
  await t2.client.sync({ type: 'chat/add', text: `${RUN} b3` })
  await p
  await until(() => texts(t2, 'chat/add').includes(`${RUN} a3`) && texts(t1, 'chat/add').includes(`${RUN} b3`),
    'actions after the restart crossed (resubscribed)')
  let dup = n => n.got.map(g => g.id).filter((id, i, all) => all.indexOf(id) !== i)
  return { dupT1: dup(t1), dupT2: dup(t2), t1: texts(t1, 'chat/add'), t2: texts(t2, 'chat/add'),
    errors: [...t1.errors, ...t2.errors] }
}, { timeout: 30000 })
t1.client.destroy()
t2.client.destroy()
steps.done()
process.exit()
