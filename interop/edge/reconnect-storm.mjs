// Probe (session 53): what a reconnect storm costs after a node's restart. --clients stock @logux/core 0.10
// ClientNodes (MemoryStore, node ids storm:cI:t) stay on one SQLite node (scripts/logmesh node --data DIR, 127.0.0.1,
// --no-mdns) that adds --actions actions (its stdin); once every client holds them, the node is stopped (SIGTERM, or
// SIGKILL with --kill) and started again on the same directory and port, and at its `ready` every client connects at
// once. A client's first connection after a restart is told a new client epoch in a `ping` and gets nothing until its
// `pong` is confirmed durable (SyncSession, "Clients' positions"); since session 52 the node also saves the client's
// record before that `ping` (one more store transaction and a durability wait each). Prints, per restart, the time
// from `ready` to the last client `synchronized` and to the last client holding one more action the node adds then,
// and checks that no client had `add` twice for an id. --runs restarts; --logmesh PATH runs another build.
//
//   node edge/reconnect-storm.mjs --port 21000 [--clients 300] [--actions 20] [--runs 5] [--kill] [--logmesh PATH]
//
// Prints JSON lines; the last is {"event":"result", ...}; exit code 0 when no client got an action twice or missed one.
import { ClientNode, Log, MemoryStore, WsConnection } from '@logux/core'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

import { helpFromHeader, jsonLines } from './lib.mjs'

helpFromHeader(import.meta.url)

const { values: opt } = parseArgs({
  options: {
    port: { type: 'string' },
    clients: { default: '300', type: 'string' },
    actions: { default: '20', type: 'string' },
    runs: { default: '5', type: 'string' },
    kill: { default: false, type: 'boolean' },
    logmesh: { type: 'string' }
  }
})
if (!opt.port) {
  console.error('--port is required')
  process.exit(2)
}
const root = new URL('../..', import.meta.url).pathname
const logmesh = opt.logmesh || join(root, 'scripts/logmesh')
const t0 = Date.now()
const emit = (event, data = {}) => process.stdout.write(JSON.stringify({ event, ms: Date.now() - t0, ...data }) + '\n')
const url = `ws://127.0.0.1:${opt.port}`
const dir = mkdtempSync(join(tmpdir(), 'storm-'))
const node = { data: join(dir, 'n') }
let written = 0

function startNode() {
  let args = ['node', '--name', 'hub', '--no-mdns', '--host', '127.0.0.1', '--port', opt.port, '--json',
    '--presence-period', '0', '--data', node.data]
  node.proc = spawn(logmesh, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  node.proc.stdin.on('error', () => {})
  node.exited = new Promise(resolve => node.proc.on('exit', resolve))
  return new Promise((resolve, reject) => {
    node.proc.on('exit', code => reject(new Error(`node exited (${code}) before ready`)))
    jsonLines(node.proc.stdout, e => {
      if (e.event === 'ready') resolve(performance.now())
    })
  })
}

function nodeAdds(count) {
  for (let i = 0; i < count; i++) node.proc.stdin.write(JSON.stringify({ type: 'storm/n', u: `n-${written++}` }) + '\n')
}

const clients = []
for (let i = 0; i < Number(opt.clients); i++) {
  let id = `storm:c${i}:t`
  let log = new Log({ nodeId: id, store: new MemoryStore() })
  let c = { id, seen: new Map(), twice: 0 }
  log.on('add', (action, meta) => {
    if (action.type !== 'storm/n') return
    let n = (c.seen.get(action.u) || 0) + 1
    c.seen.set(action.u, n)
    if (n > 1) c.twice++
  })
  c.connection = new WsConnection(url, WebSocket)
  c.node = new ClientNode(id, log, c.connection, { subprotocol: '1.0.0', ping: 60000, timeout: 60000 })
  c.node.catch(() => {})
  clients.push(c)
}

function until(check, what, ms = 120000) {
  return new Promise((resolve, reject) => {
    let timer = setInterval(() => {
      if (check()) {
        clearInterval(timer)
        clearTimeout(limit)
        resolve(performance.now())
      }
    }, 2)
    let limit = setTimeout(() => {
      clearInterval(timer)
      reject(new Error(`not within ${ms} ms: ${what}`))
    }, ms)
  })
}
const allHold = () => clients.every(c => c.seen.size >= written)
const allSynchronized = () => clients.every(c => c.node.state === 'synchronized')

let status = 0
const runs = []
try {
  await startNode()
  for (let c of clients) c.connection.connect()
  await until(allSynchronized, 'first connections synchronized')
  nodeAdds(Number(opt.actions))
  await until(allHold, 'the first actions at every client')
  emit('ready', { clients: clients.length, actions: written })
  for (let r = 0; r < Number(opt.runs); r++) {
    node.proc.kill(opt.kill ? 'SIGKILL' : 'SIGTERM')
    await node.exited
    await until(() => clients.every(c => c.node.state === 'disconnected'), 'clients disconnected')
    let ready = await startNode()
    for (let c of clients) c.connection.connect()
    let synchronized = await until(allSynchronized, 'the storm synchronized')
    nodeAdds(1)
    let held = await until(allHold, 'the new action at every client')
    let run = { synchronizedMs: +(synchronized - ready).toFixed(1), newActionMs: +(held - ready).toFixed(1) }
    runs.push(run)
    emit('restart', run)
  }
} catch (e) {
  emit('error', { message: String(e && e.message || e) })
  status = 1
}
for (let c of clients) c.node.destroy()
node.proc.kill('SIGTERM')
await node.exited
rmSync(dir, { recursive: true, force: true })
const twice = clients.reduce((n, c) => n + c.twice, 0)
const missing = clients.reduce((n, c) => n + Math.max(0, written - c.seen.size), 0)
const median = key => {
  let v = runs.map(r => r[key]).sort((a, b) => a - b)
  return v.length ? v[Math.floor(v.length / 2)] : null
}
if (twice || missing) status = 1
emit('result', {
  clients: clients.length, actions: written, runs: runs.length, twice, missing,
  synchronizedMedianMs: median('synchronizedMs'), newActionMedianMs: median('newActionMs'), ok: status === 0
})
process.exit(status)
