// Scenario "failover": one stock @logux/client 0.23 Client in Node 20 that a
// test moves from node to node, as a load balancer or a failover list does:
// the same client (same client id, same log, same cursor) on another URL.
//
//   node edge/failover.mjs --url ws://127.0.0.1:PORT [--user alice] [--token T]
//
// stdout, one JSON object per line, each with "event":
//   started {clientId, nodeId}
//   state {state, server}       the client's state changed (server: remote node id)
//   action {type, id}           an action from a node reached the client's log
//   offline {}                  answer to "offline": disconnected, no reconnect
//   summary {types, lastReceived, lastSynced}   answer to "summary"
//   error {message}
// stdin, one JSON object per line:
//   {"cmd":"offline"}               disconnect and stay offline
//   {"cmd":"connect","url":"ws://…"} connect (again) to that URL
//   {"cmd":"summary"}
// EOF stops.
import { Client } from '@logux/client'
import { parseId } from '@logux/core'
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
const types = []
client.on('add', (action, meta) => {
  if (parseId(meta.id).clientId !== client.clientId) {
    types.push(action.type)
    emit('action', { id: meta.id, type: action.type })
  }
})
client.node.on('state', () => emit('state', { server: client.node.remoteNodeId, state: client.node.state }))
client.node.on('error', e => emit('error', { message: String(e && e.message || e) }))
client.node.on('clientError', e => emit('error', { message: String(e && e.message || e) }))
client.start()
emit('started', { clientId: client.clientId, nodeId: client.nodeId })

// client.node.connection is the Reconnect around the WsConnection that Client made for `server`
const reconnect = client.node.connection

const lines = createInterface({ input: process.stdin })
lines.on('line', async line => {
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (e) {
    emit('error', { message: 'not JSON: ' + line })
    return
  }
  if (cmd.cmd === 'offline') {
    reconnect.disconnect('destroy')
    emit('offline', {})
  } else if (cmd.cmd === 'connect') {
    reconnect.connection.url = cmd.url
    reconnect.connect()
  } else if (cmd.cmd === 'summary') {
    let synced = await client.log.store.getLastSynced()
    emit('summary', { lastReceived: client.node.lastReceived, lastSynced: synced, types })
  }
})
lines.on('close', () => {
  client.destroy()
  process.exit(0)
})
