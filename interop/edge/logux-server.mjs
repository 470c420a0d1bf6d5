// Scenario "server": a real, stock @logux/server 0.14 (BaseServer, memory
// store) on 127.0.0.1 for a logmesh node to dial.
//
//   node edge/logux-server.mjs [--port 0] [--subprotocol 1] [--min-subprotocol 1]
//        [--token T | --tokens JSON (userId -> token)] [--id ID (server:ID)]
//
// The server accepts every action type (access true) and processes it (so it
// answers logux/processed), and on every authentication it adds
//   {"type":"server/hello","n":K,"to":NODE_ID}  with meta {nodes:[NODE_ID]}
// (kept in its log, so it reaches the node in the catch-up after `connected`).
//
// stdout, one JSON object per line, each with "event":
//   listening {url, nodeId, subprotocol, minSubprotocol, loguxServer}
//   authenticated {nodeId, clientId, userId, subprotocol}   unauthenticated {nodeId}
//   clientError {type, options}  (e.g. wrong-subprotocol, sent to the dialer)
//   action {action, meta, from}  an action of a client that the server processed
//   processed {id, to}           the server answered logux/processed
//   denied {actionId}            an action refused (wrong client id or meta keys)
//   undo {id, reason, to}        any logux/undo the server sent
//   sent {action, meta}          an action the server added for its clients
//   disconnect {nodeId}          error {message}
//   summary {...}                answer to {"cmd":"summary"}
// stdin commands: {"cmd":"add","action":{...},"meta":{...}} (server action;
// reasons default ["keep"]), {"cmd":"summary"}, {"cmd":"stop"}; EOF stops.
import { parseId } from '@logux/core'
import { BaseServer } from '@logux/server'
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    id: { type: 'string' },
    'min-subprotocol': { default: '1', type: 'string' },
    port: { default: '0', type: 'string' },
    subprotocol: { default: '1', type: 'string' },
    token: { type: 'string' },
    tokens: { type: 'string' }
  }
})
const VERSION = createRequire(import.meta.url)('@logux/server/package.json').version
const tokens = opts.tokens ? JSON.parse(opts.tokens) : null
const emit = (event, data = {}) => process.stdout.write(JSON.stringify({ event, ...data }) + '\n')
const summary = { actions: [], authenticated: [], denied: [], processed: [], sent: [], undone: [] }

const server = new BaseServer({
  env: 'development',
  host: '127.0.0.1',
  id: opts.id,
  minSubprotocol: Number(opts['min-subprotocol']),
  port: 1, // BaseServer turns 0 into its default 31337; the real port is set below
  subprotocol: Number(opts.subprotocol)
})
server.options.port = Number(opts.port)

server.auth(({ token, userId }) => {
  if (tokens) return userId !== undefined && tokens[userId] === token
  if (opts.token !== undefined) return token === opts.token
  return true
})

server.otherType({
  access: () => true,
  process(ctx, action, meta) {
    let entry = { action, from: ctx.nodeId, meta: { ...meta } }
    summary.actions.push(meta.id)
    emit('action', entry)
  }
})

let hellos = 0
server.on('authenticated', client => {
  summary.authenticated.push(client.nodeId)
  emit('authenticated', {
    clientId: client.clientId,
    nodeId: client.nodeId,
    subprotocol: client.node.remoteSubprotocol,
    userId: client.userId
  })
  hellos += 1
  let action = { n: hellos, to: client.nodeId, type: 'server/hello' }
  server.log.add(action, { nodes: [client.nodeId], reasons: ['keep'] })
})
server.on('unauthenticated', client => emit('unauthenticated', { nodeId: client.nodeId }))
server.on('clientError', err => emit('clientError', { options: err.options, type: err.type }))
server.on('error', err => emit('error', { message: String(err && err.stack ? err.stack : err) }))

server.on('report', (name, details) => {
  if (name === 'denied') {
    summary.denied.push(details.actionId)
    emit('denied', { actionId: details.actionId })
  } else if (name === 'disconnect' && details.nodeId) {
    emit('disconnect', { nodeId: details.nodeId })
  }
})

server.on('add', (action, meta) => {
  let own = parseId(meta.id).nodeId === server.nodeId
  if (action.type === 'logux/processed') {
    summary.processed.push(action.id)
    emit('processed', { id: action.id, to: meta.clients })
  } else if (action.type === 'logux/undo') {
    summary.undone.push(action.id)
    emit('undo', { id: action.id, reason: action.reason, to: meta.clients })
  } else if (own && !action.type.startsWith('logux/')) {
    summary.sent.push(meta.id)
    emit('sent', { action, meta: { id: meta.id, nodes: meta.nodes, users: meta.users, clients: meta.clients, channels: meta.channels } })
  }
})

await server.listen()
emit('listening', {
  loguxServer: VERSION,
  minSubprotocol: server.options.minSubprotocol,
  nodeId: server.nodeId,
  subprotocol: server.options.subprotocol,
  url: `ws://127.0.0.1:${server.httpServer.address().port}`
})

async function stop() {
  await server.destroy()
  process.exit(0)
}
process.on('SIGTERM', stop)
const input = createInterface({ input: process.stdin })
input.on('close', stop)
input.on('line', async line => {
  if (!line.trim()) return
  try {
    let cmd = JSON.parse(line)
    if (cmd.cmd === 'add') {
      await server.log.add(cmd.action, { reasons: ['keep'], ...cmd.meta })
    } else if (cmd.cmd === 'summary') {
      emit('summary', summary)
    } else if (cmd.cmd === 'stop') {
      await stop()
    } else {
      throw new Error(`unknown command ${cmd.cmd}`)
    }
  } catch (e) {
    emit('error', { command: line, message: String(e.message) })
  }
})
