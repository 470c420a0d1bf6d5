// Trial helper (apps37): one @logux/client Client with the ping/timeout options given, printing one JSON line per
// state change and per answer, with the time. Freeze it from outside (kill -STOP PID, later kill -CONT PID) to see
// how long the node keeps a client whose JavaScript does not run: `timeout` is the client's own wait, never sent
// to the server (protocol 5's connect options are only `token` and `subprotocol`). Each SIGCONT adds one action;
// SIGTERM prints a summary (actions sent, processed once each, undone) and exits.
//   node edge/frozen-client.mjs --url ws://127.0.0.1:PORT [--ping 10000] [--timeout 300000]
import { Client } from '@logux/client'
import WebSocket from 'ws'

import { options } from './lib.mjs'

globalThis.WebSocket ??= WebSocket
const opts = options({ ping: { default: '10000', type: 'string' } },
  'usage: node edge/frozen-client.mjs --url URL [--ping MS] [--timeout MS]')
const start = Date.now()
const say = line => process.stdout.write(JSON.stringify({ s: (Date.now() - start) / 1000, ...line }) + '\n')
const client = new Client({
  ping: Number(opts.ping), server: opts.url, subprotocol: 1, timeout: opts.timeout === 5000 ? 300000 : opts.timeout,
  userId: 'frozen'
})
const processed = new Map()
const undone = []
let sent = 0
client.node.on('state', () => say({ state: client.node.state }))
client.node.catch(err => say({ error: err.type ?? String(err) }))
client.on('add', action => {
  if (action.type === 'logux/processed') processed.set(action.id, (processed.get(action.id) ?? 0) + 1)
  if (action.type === 'logux/undo') undone.push(action.id)
})
const add = async () => {
  sent += 1
  let n = sent
  await client.sync({ n, type: 'frozen/add' })
  say({ processed: n })
}
process.on('SIGCONT', () => {
  say({ woke: true })
  add()
})
process.on('SIGTERM', () => {
  say({ processedOnce: [...processed.values()].filter(v => v === 1).length, processedMore: [...processed.values()]
    .filter(v => v > 1).length, sent, undone: undone.length })
  process.exit(0)
})
client.start()
add()
