// A stock @logux/core peer driven through stdin/stdout (NDJSON).
//
//   node peer.mjs client --url ws://127.0.0.1:PORT --node-id ID [--token T]
//        [--subprotocol N] [--ping MS] [--timeout MS] [--min-delay MS]
//        [--max-delay MS] [--store indexed|memory] [--trace] [--keep]
//   node peer.mjs server [--port PORT] --node-id ID [--ping MS] [--timeout MS]
//        [--store indexed|memory] [--trace] [--keep]
//
// --keep: received actions without reasons get the reason "keep" (an app that
// keeps what it syncs: a logmesh node sends its clients and the Logux servers
// it dials only id, time and subprotocol in a meta, never reasons).
//
// Commands (stdin, one JSON per line):
//   {"cmd":"add","action":{...},"meta":{...}}  reasons default to ["test"]
//   {"cmd":"send","msg":[...]}            send a message through the Logux connection
//   {"cmd":"raw","data":"...","binary":false}  send a raw frame on the socket(s)
//   {"cmd":"disconnect"}  client: manual disconnect (Reconnect stays off);
//                         server: close every connection
//   {"cmd":"drop"}        client: kill the socket, Reconnect will reconnect
//   {"cmd":"connect"}     client: connect again
//   {"cmd":"status"}      node state and cursors
//   {"cmd":"log"}         the whole log, created order
//   {"cmd":"exit"}        (also on stdin EOF)
// Events (stdout, one JSON per line): ready, state, add, clean, connect,
// disconnect, synced, error, status, log, wire (--trace), exit.
import {
  ClientNode,
  Log,
  MemoryStore,
  Reconnect,
  ServerConnection,
  ServerNode,
  WsConnection
} from '@logux/core'
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import WebSocket, { WebSocketServer } from 'ws'

import { IndexedStore } from './indexed-store.mjs'

const CORE = createRequire(import.meta.url)('@logux/core/package.json').version

const { positionals, values: opts } = parseArgs({
  allowPositionals: true,
  options: {
    'max-delay': { type: 'string' },
    'min-delay': { type: 'string' },
    'node-id': { type: 'string' },
    'keep': { default: false, type: 'boolean' },
    'ping': { type: 'string' },
    'port': { default: '0', type: 'string' },
    'store': { default: 'indexed', type: 'string' },
    'subprotocol': { type: 'string' },
    'timeout': { type: 'string' },
    'token': { type: 'string' },
    'trace': { default: false, type: 'boolean' },
    'url': { type: 'string' }
  }
})
const role = positionals[0]
const num = v => (v === undefined ? undefined : Number(v))

function emit(event, data = {}) {
  // stdout is synchronous for files and pipes on Linux: one write per line.
  process.stdout.write(JSON.stringify({ event, t: Date.now(), ...data }) + '\n')
}

function errorData(err) {
  if (err && err.name === 'LoguxError') {
    return { message: err.message, options: err.options, received: err.received, type: err.type }
  }
  return { message: String(err && err.message ? err.message : err) }
}

// The process must survive protocol errors: a stock ClientNode throws on
// e.g. an unknown message type inside the socket callback.
process.on('uncaughtException', err => emit('error', { source: 'uncaught', ...errorData(err) }))
process.on('unhandledRejection', err => emit('error', { source: 'unhandled', ...errorData(err) }))

if (!['client', 'server'].includes(role) || !opts['node-id']) {
  process.stderr.write('usage: node peer.mjs client|server --node-id ID ...\n')
  process.exit(2)
}
if (!['indexed', 'memory'].includes(opts.store)) {
  process.stderr.write('--store must be indexed or memory\n')
  process.exit(2)
}

const store = opts.store === 'memory' ? new MemoryStore() : new IndexedStore()
const log = new Log({ nodeId: opts['node-id'], store })
if (opts.keep) {
  log.on('preadd', (action, meta) => {
    if (meta.reasons.length === 0) meta.reasons.push('keep')
  })
}
log.on('add', (action, meta) => emit('add', { action, meta }))
log.on('clean', (action, meta) => emit('clean', { id: meta.id }))

// Wire tracing: wrap send and listen to message/error before the node does,
// so an incoming message is printed before the answers it causes.
function trace(connection, peer) {
  if (!opts.trace) return
  let send = connection.send.bind(connection)
  connection.send = msg => {
    emit('wire', { dir: 'out', msg, peer })
    return send(msg)
  }
  connection.on('message', msg => emit('wire', { dir: 'in', msg, peer }))
  connection.on('error', err => {
    if (err.received !== undefined) {
      emit('wire', { dir: 'in', peer, raw: String(err.received) })
    }
  })
}

function watch(node, peer) {
  node.catch(err => emit('error', { peer, ...errorData(err) }))
  node.on('clientError', err => emit('error', { peer, sent: true, ...errorData(err) }))
  node.on('state', () => emit('state', { peer, state: node.state }))
  node.on('connect', () => emit('connect', { node: node.remoteNodeId, peer }))
  node.connection.on('disconnect', () => emit('disconnect', { node: node.remoteNodeId, peer }))
  node.connection.on('message', msg => {
    if (msg[0] === 'synced') emit('synced', { added: msg[1], peer })
  })
}

function status(node, peer) {
  return {
    lastAdded: node.lastAddedCache,
    lastReceived: node.lastReceived,
    lastSent: node.lastSent,
    peer,
    remote: node.remoteNodeId,
    state: node.state,
    timeFix: node.timeFix
  }
}

const nodes = new Map() // peer label -> node (server: one per socket)
const sockets = new Map() // peer label -> raw ws
let client

if (role === 'client') {
  if (!opts.url) {
    process.stderr.write('client needs --url\n')
    process.exit(2)
  }
  // Remember the raw socket so "raw" and "drop" can reach it.
  class TracedSocket extends WebSocket {
    constructor(...args) {
      super(...args)
      sockets.set('server', this)
    }
  }
  let ws = new WsConnection(opts.url, TracedSocket)
  let connection = new Reconnect(ws, {
    maxDelay: num(opts['max-delay']),
    minDelay: num(opts['min-delay'])
  })
  connection.on('connecting', () => emit('connecting', { attempts: connection.attempts }))
  trace(connection, 'server')
  client = new ClientNode(opts['node-id'], log, connection, {
    ping: num(opts.ping),
    subprotocol: num(opts.subprotocol),
    timeout: num(opts.timeout),
    token: opts.token
  })
  nodes.set('server', client)
  watch(client, 'server')
  emit('ready', { core: CORE, nodeId: opts['node-id'], role, store: opts.store, url: opts.url })
  client.connection.connect()
} else {
  let count = 0
  let wss = new WebSocketServer({ host: '127.0.0.1', port: num(opts.port) })
  wss.on('connection', (socket, req) => {
    let peer = `c${++count}`
    sockets.set(peer, socket)
    emit('accept', { peer, remote: `${req.socket.remoteAddress}:${req.socket.remotePort}` })
    let connection = new ServerConnection(socket)
    trace(connection, peer)
    let node = new ServerNode(opts['node-id'], log, connection, {
      ping: num(opts.ping),
      timeout: num(opts.timeout)
    })
    nodes.set(peer, node)
    watch(node, peer)
    connection.on('disconnect', () => {
      nodes.delete(peer)
      sockets.delete(peer)
    })
  })
  wss.on('error', err => emit('error', { source: 'server', ...errorData(err) }))
  wss.on('listening', () => {
    emit('ready', { core: CORE, nodeId: opts['node-id'], port: wss.address().port, role, store: opts.store })
  })
}

async function entries() {
  let { entries: list } = await log.store.get({ order: 'created' })
  return list.map(([action, meta]) => ({ action, meta }))
}

const commands = {
  async add({ action, meta = {} }) {
    let full = { reasons: ['test'], ...meta }
    let result = await log.add(action, full)
    if (result === false) emit('duplicate', { id: full.id })
  },
  connect() {
    if (client) client.connection.connect()
  },
  disconnect() {
    if (client) client.connection.disconnect('manual')
    else for (let node of nodes.values()) node.connection.disconnect('manual')
  },
  drop() {
    for (let socket of sockets.values()) socket.terminate()
  },
  exit() {
    emit('exit')
    process.exit(0)
  },
  async log() {
    emit('log', { entries: await entries() })
  },
  raw({ binary = false, data }) {
    let frame = binary ? Buffer.from(data, 'utf8') : data
    for (let socket of sockets.values()) {
      if (socket.readyState === WebSocket.OPEN) socket.send(frame, { binary })
    }
  },
  send({ msg }) {
    for (let node of nodes.values()) {
      if (node.connection.connected) node.connection.send(msg)
    }
  },
  status() {
    emit('status', { nodes: [...nodes].map(([peer, node]) => status(node, peer)) })
  }
}

const input = createInterface({ input: process.stdin })
input.on('line', async line => {
  if (!line.trim()) return
  let command
  try {
    command = JSON.parse(line)
    if (!commands[command.cmd]) throw new Error(`unknown command ${command.cmd}`)
    await commands[command.cmd](command)
  } catch (err) {
    emit('error', { command: line, source: 'command', ...errorData(err) })
  }
})
input.on('close', () => commands.exit())
