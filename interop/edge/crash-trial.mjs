// Trial "crash" (once38): stock @logux/client 0.23 Clients (default options: a MemoryStore that keeps no action the
// node sends, so an action sent again fires `add` again) stay on one SQLite node (scripts/logmesh node --data DIR,
// 127.0.0.1, --no-mdns) that is killed with SIGKILL and restarted on the same directory and port, again and again,
// while the node adds actions (its stdin, every --rate ms) and each client adds one now and then. At the end every
// client must have had `add` exactly once for every action of the node's log (`logmesh log --data DIR`), its own
// included, and each of its own actions processed, none undone. Session 37 saw one action's `add` twice after one
// kill (the node's per-client cursor is saved about once a second).
//
//   node edge/crash-trial.mjs --port 21000 [--kills 10] [--clients 3] [--rate 20] [--logmesh PATH] [--verbose]
//
// --logmesh: the launcher to run (another build, e.g. a worktree of an older commit). Prints JSON lines; the last is
// {"event":"result", ...}; exit code 0 when no client missed an action or got one twice.
import { Client } from '@logux/client'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

import { helpFromHeader, jsonLines } from './lib.mjs'

helpFromHeader(import.meta.url)

if (typeof globalThis.WebSocket === 'undefined') globalThis.WebSocket = WebSocket

const { values: opt } = parseArgs({
  options: {
    port: { type: 'string' },
    kills: { default: '10', type: 'string' },
    clients: { default: '3', type: 'string' },
    rate: { default: '20', type: 'string' },
    seed: { default: '1', type: 'string' },
    settle: { default: '30000', type: 'string' },
    logmesh: { type: 'string' },
    verbose: { default: false, type: 'boolean' }
  }
})
if (!opt.port) {
  console.error('--port is required')
  process.exit(2)
}
const root = new URL('../..', import.meta.url).pathname
const logmesh = opt.logmesh || join(root, 'scripts/logmesh')
const emit = (event, data = {}) => process.stdout.write(JSON.stringify({ event, ms: Date.now() - t0, ...data }) + '\n')
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const t0 = Date.now()
let seed = Number(opt.seed)
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}

const dir = mkdtempSync(join(tmpdir(), 'crash-'))
const node = { port: Number(opt.port), data: join(dir, 'n'), up: false, stderr: '' }

function startNode() {
  let args = ['node', '--name', 'hub', '--no-mdns', '--host', '127.0.0.1', '--port', String(node.port), '--json',
    '--presence-period', '0', '--data', node.data]
  node.proc = spawn(logmesh, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  node.proc.stdin.on('error', () => {}) // writes to a killed node
  let ready = new Promise(resolve => jsonLines(node.proc.stdout, e => {
    if (e.event === 'ready') resolve()
  }))
  node.proc.stderr.on('data', d => {
    node.stderr += d
    if (node.stderr.length > 200000) node.stderr = node.stderr.slice(-100000)
  })
  node.up = true
  return ready
}

async function kill9() {
  let exited = new Promise(resolve => node.proc.once('exit', resolve))
  node.up = false
  node.proc.kill('SIGKILL')
  await exited
}

let written = 0
function nodeAdd() {
  if (!node.up) return
  node.proc.stdin.write(JSON.stringify({ type: 'n', u: `n-${written++}` }) + '\n')
}

const clients = []
function makeClient(i) {
  let client = new Client({ server: `ws://127.0.0.1:${node.port}`, subprotocol: 1, token: '', userId: 'u' + i })
  client.node.throwsError = false
  let c = { name: 'c' + i, client, adds: new Map(), own: new Map(), undone: [], errors: [], count: 0 }
  client.on('add', (action, meta) => {
    if (action.u) c.adds.set(action.u, (c.adds.get(action.u) || 0) + 1)
    if (action.type === 'logux/undo') c.undone.push(action)
    if (opt.verbose && action.u) emit('add', { client: c.name, u: action.u, id: meta.id })
  })
  client.node.on('error', e => {
    let text = String(e && e.message || e)
    if (!text.includes('ECONNREFUSED')) c.errors.push(text) // its reconnects while the node is down
  })
  client.start()
  clients.push(c)
  return c
}

function clientAdd(c) {
  let u = `${c.name}-${c.count++}`
  c.own.set(u, 'sent')
  c.client.sync({ type: 'c', u }).then(() => c.own.set(u, 'processed'), e => c.own.set(u, 'failed ' + e))
}

function nodeLog() {
  let out = execFileSync(logmesh, ['log', '--data', node.data], { encoding: 'utf8', maxBuffer: 1 << 28 })
  let set = new Set()
  for (let line of out.split('\n')) {
    if (!line.trim()) continue
    let [action] = JSON.parse(line)
    if (action.u) set.add(action.u)
  }
  return set
}

async function main() {
  await startNode()
  emit('node', { port: node.port, data: node.data })
  for (let i = 0; i < Number(opt.clients); i++) makeClient(i)
  let writing = true
  let writer = (async () => {
    let k = 0
    while (writing) {
      nodeAdd()
      if (++k % 25 === 0) clientAdd(clients[k / 25 % clients.length])
      await sleep(Number(opt.rate))
    }
  })()
  for (let kill = 0; kill < Number(opt.kills); kill++) {
    await sleep(1000 + random() * 2000)
    await kill9()
    emit('killed', { kill, written })
    await sleep(100 + random() * 400)
    await startNode()
    emit('restarted', { kill })
  }
  await sleep(1000)
  writing = false
  await writer
  let deadline = Date.now() + Number(opt.settle)
  let log
  for (;;) {
    await sleep(1000)
    log = nodeLog()
    let missing = clients.map(c => [...log].filter(u => !c.adds.has(u)).length)
    let pending = clients.map(c => [...c.own.values()].filter(s => s !== 'processed').length)
    if ((missing.every(m => m === 0) && pending.every(p => p === 0)) || Date.now() > deadline) break
  }
  await sleep(2000) // anything sent again late
  log = nodeLog()
  let result = { written, inLog: log.size, kills: Number(opt.kills), clients: {} }
  let ok = true
  for (let c of clients) {
    let missing = [...log].filter(u => !c.adds.has(u))
    let twice = [...c.adds].filter(([, k]) => k > 1).map(([u, k]) => u + ' x' + k)
    let notProcessed = [...c.own].filter(([, s]) => s !== 'processed').map(([u, s]) => u + ' ' + s)
    result.clients[c.name] = {
      got: c.adds.size, missing: missing.slice(0, 10), missingCount: missing.length, twice: twice.slice(0, 10),
      twiceCount: twice.length, own: c.own.size, notProcessed, undone: c.undone.length, errors: c.errors.slice(0, 5)
    }
    // errors other than refused reconnects are shown, not failed: a kill cuts the link in any state
    if (missing.length > 0 || twice.length > 0 || notProcessed.length > 0 || c.undone.length > 0) ok = false
  }
  result.ok = ok
  emit('result', result)
  for (let c of clients) c.client.destroy()
  if (node.up) await kill9()
  if (!ok) emit('stderr', { tail: node.stderr.slice(-3000) })
  rmSync(dir, { force: true, recursive: true })
  process.exit(ok ? 0 : 1)
}

main().catch(e => {
  emit('error', { message: String(e && e.stack || e) })
  if (node.up) node.proc.kill('SIGKILL')
  setTimeout(() => {
    rmSync(dir, { force: true, recursive: true })
    process.exit(2)
  }, 500)
})
