// Scenario "full-node": one stock @logux/client 0.23 Client in Node 20 against a
// node whose log cannot take its actions (a full disk, a used memory budget).
// A test drives it and makes room on the node meanwhile.
//
//   node edge/full-node.mjs --url ws://127.0.0.1:PORT [--user alice]
//
// stdout, one JSON object per line, each with "event":
//   started {clientId}
//   connect {connects}            the client's link opened (counted from the start)
//   debug {text}                  a debug message from the node
//   processed {type}              the node answered logux/processed for that action
//   summary {connects, processed, pending, lastSynced, state}   answer to "summary"
//   error {message}
// stdin, one JSON object per line:
//   {"cmd":"sync","type":"full/1"}  client.sync() of that action
//   {"cmd":"summary"}
// EOF stops.
import { Client } from '@logux/client'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

if (typeof globalThis.WebSocket === 'undefined') globalThis.WebSocket = WebSocket

const { values: opts } = parseArgs({
  options: {
    token: { type: 'string' },
    url: { type: 'string' },
    user: { default: 'alice', type: 'string' }
  }
})
const emit = (event, data = {}) => process.stdout.write(JSON.stringify({ event, ...data }) + '\n')
process.on('uncaughtException', e => emit('error', { message: String(e && e.stack || e) }))
process.on('unhandledRejection', e => emit('error', { message: String(e && e.stack || e) }))

const client = new Client({ server: opts.url, subprotocol: 1, token: opts.token, userId: opts.user })
let connects = 0
const processed = []
let pending = 0
client.node.connection.on('connect', () => {
  connects += 1
  emit('connect', { connects })
})
client.node.on('debug', (type, text) => emit('debug', { text }))
client.node.on('error', e => emit('error', { message: String(e && e.message || e) }))
client.node.on('clientError', e => emit('error', { message: String(e && e.message || e) }))
client.start()
emit('started', { clientId: client.clientId })

const lines = createInterface({ input: process.stdin })
lines.on('line', async line => {
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (e) {
    emit('error', { message: 'not JSON: ' + line })
    return
  }
  if (cmd.cmd === 'sync') {
    pending += 1
    client.sync({ type: cmd.type }).then(
      () => {
        processed.push(cmd.type)
        emit('processed', { type: cmd.type })
      },
      e => emit('error', { message: 'undone: ' + (e.action ? e.action.reason : String(e)) })
    ).finally(() => { pending -= 1 })
  } else if (cmd.cmd === 'summary') {
    let synced = await client.log.store.getLastSynced()
    emit('summary', { connects, lastSynced: synced, pending, processed, state: client.node.state })
  }
})
lines.on('close', () => {
  client.destroy()
  process.exit(0)
})
