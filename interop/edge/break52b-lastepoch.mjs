// break52b: a stock @logux/client Client whose store already holds lastReceived = EPOCH:POS (a tagged number of
// another node, as a client node that took EPOCH-1 epochs elsewhere holds). Counts `add` per action id; stdin
// "reconnect" drops and reopens the connection (same tab), "summary" prints counts.
//   node edge/break52b-lastepoch.mjs --url ws://127.0.0.1:PORT [--epoch 8190]
import { Client } from '@logux/client'
import { MemoryStore } from '@logux/core'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

if (typeof globalThis.WebSocket === 'undefined') globalThis.WebSocket = WebSocket

const { values: opt } = parseArgs({ options: { url: { type: 'string' }, epoch: { default: '8190', type: 'string' } } })
const store = new MemoryStore()
await store.setLastSynced({ received: Number(opt.epoch) * 2 ** 40 })
const client = new Client({ server: opt.url, store, subprotocol: 1, userId: 'alice' })
const seen = new Map()
client.on('add', (action, meta) => {
  if (meta.id.includes(' ' + client.clientId + ':')) return
  seen.set(meta.id, (seen.get(meta.id) || 0) + 1)
  console.log(JSON.stringify({ add: action.type, times: seen.get(meta.id) }))
})
client.node.on('state', () => console.log(JSON.stringify({ state: client.node.state, lastReceived: client.node.lastReceived })))
client.start()
createInterface({ input: process.stdin }).on('line', line => {
  if (line === 'reconnect') {
    client.node.connection.disconnect()
    setTimeout(() => client.node.connection.connect(), 300)
  } else if (line === 'summary') {
    const twice = [...seen.values()].filter(n => n > 1).length
    console.log(JSON.stringify({ summary: true, ids: seen.size, twice, lastReceived: client.node.lastReceived }))
  }
})
