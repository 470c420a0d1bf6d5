// Trial (apps37): a bare @logux/core ClientNode without an outFilter, whose app keeps every action it gets (a
// "preadd" reason), sends back at each reconnect every entry of its log added after its last `synced`: the
// actions it received from the node, and the node's answers. Counts the logux/undo it gets for them (an app
// that handles undo would revert them), then checks that an action changed under a received id, and one
// under an id the node never held, are still undone.
//   node edge/echo-trial.mjs --url ws://127.0.0.1:PORT [--token T] [--count 20]
// Needs a node that sends unaddressed entries to every client (logmesh node's default).
import { ClientNode, Log, MemoryStore, parseId, WsConnection } from '@logux/core'
import WebSocket from 'ws'

import { catchErrors, options, sleep, steps as newSteps, synchronized, until } from './lib.mjs'

const opts = options({ count: { default: '20', type: 'string' } },
  'usage: node edge/echo-trial.mjs --url ws://127.0.0.1:PORT [--token T] [--count N]')
const RUN = Math.random().toString(36).slice(2, 8)
const N = Number(opts.count)

function make(userId, keep = true) {
  let nodeId = `${userId}:${RUN}:t`
  let log = new Log({ nodeId, store: new MemoryStore() })
  log.on('preadd', (action, meta) => {
    if (keep && !meta.reasons.includes('app')) meta.reasons.push('app')
  })
  let node = new ClientNode(nodeId, log, new WsConnection(opts.url, WebSocket), {
    subprotocol: 1,
    token: opts.token
  })
  let errors = catchErrors(node)
  let undos = []
  let got = []
  log.on('add', (action, meta) => {
    if (action.type === 'logux/undo') undos.push(action)
    else if (parseId(meta.id).nodeId !== nodeId && !action.type.startsWith('logux/')) got.push({ action, id: meta.id })
  })
  return { errors, got, log, node, undos }
}

const steps = newSteps('echo', opts.timeout)
let writer = make('writer')
let reader = make('reader')
await steps.run('start', async () => {
  writer.node.connection.connect()
  reader.node.connection.connect()
  await synchronized([writer.node, reader.node], [writer.errors, reader.errors])
}, { required: true })
await steps.run('receive', async () => {
  for (let i = 0; i < N; i++) {
    await writer.log.add({ type: 'echo/note', text: `${RUN} ${i}`, n: 1500, list: [0.1, -1, { k: 'é' }] },
      { reasons: ['app'] })
  }
  await until(() => reader.got.length >= N, `the reader got ${N}`)
  return { got: reader.got.length }
})
await steps.run('reconnect', async () => {
  for (let c of [reader, writer]) {
    c.node.connection.disconnect()
    await sleep(200)
    c.node.connection.connect()
  }
  await synchronized([writer.node, reader.node], [writer.errors, reader.errors])
  await sleep(1500)
  let undone = [...reader.undos, ...writer.undos]
  if (undone.length > 0) {
    throw new Error(`${undone.length} logux/undo for actions sent back: ` +
      JSON.stringify(undone.slice(0, 3).map(u => ({ reason: u.reason, type: u.action.type, id: u.id }))))
  }
  return { reader: reader.undos.length, writer: writer.undos.length }
})
await steps.run('changed-and-unknown-still-undone', async () => {
  // eve, a bare client of her own, sends another action under an id the reader received, and one under an id the
  // node never held: both are still undone (her log keeps only her own actions, so it takes the received id)
  let eve = make('eve', false)
  eve.node.connection.connect()
  await synchronized([eve.node], [eve.errors])
  let received = reader.got[0].id
  let [ms, node] = received.split(' ')
  let unknown = `${ms} ${node} 999`
  await eve.log.add({ type: 'echo/note', text: 'changed' }, { id: received, reasons: ['app'] })
  await eve.log.add({ type: 'echo/note', text: 'unknown' }, { id: unknown, reasons: ['app'] })
  await until(() => eve.undos.some(u => u.id === received) && eve.undos.some(u => u.id === unknown), 'both undone')
  eve.node.destroy()
  return { reasons: eve.undos.map(u => u.reason) }
})
writer.node.destroy()
reader.node.destroy()
steps.done()
