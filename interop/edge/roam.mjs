// Trial "roam": stock @logux/client 0.23 Clients that move between real logmesh nodes (scripts/logmesh node, on
// 127.0.0.1, --no-mdns) many times, while actions are added on every node (stdin) and on the clients; nodes are
// killed with SIGKILL and restarted (SQLite ones on their data directory, the --memory one empty). At the end every
// client connects once more and the trial checks that each client got every action of the mesh (by the action's own
// tag `u`), none under two ids, and that the nodes converged; the `add`s of an id the client had already (resends,
// README Limits) are counted, not failed.
//
//   node edge/roam.mjs [--rounds 60] [--clients 6] [--seed 1] [--kills 1] [--memory 1] [--tabs 0]
//                        [--restores 0] [--port BASE: the nodes listen on BASE, BASE+1, BASE+2] [--verbose]
//
// --tabs N: N extra Clients that share one client id, each with its own log (tabs of one client that do not share
// their log: docs/logux-apps.md, "One log per client id"), moving as the others do: with restores they may miss entries
// (seed 21: a tab missed 2 of 236), so the run fails. --restores N: online backups of the SQLite nodes
// (SQLite's backup API) restored later, with or without the clock side file. --verbose: each client's add, with the
// node it is on. An action written to a node less than 1 s before that node was killed (for a client's action: a
// --memory node) or restored, that no node has at the end, is "at risk", not lost.
// Prints JSON lines; the last one is {"event":"result", ...}; exit code 0 when nothing is missing.
import { Client } from '@logux/client'
import { spawn, execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

import { helpFromHeader, jsonLines } from './lib.mjs'

helpFromHeader(import.meta.url)

if (typeof globalThis.WebSocket === 'undefined') globalThis.WebSocket = WebSocket

const { values: opt } = parseArgs({
  options: {
    clients: { default: '6', type: 'string' },
    kills: { default: '1', type: 'string' },
    memory: { default: '1', type: 'string' },
    rounds: { default: '60', type: 'string' },
    seed: { default: '1', type: 'string' },
    tabs: { default: '0', type: 'string' },
    restores: { default: '0', type: 'string' },
    port: { type: 'string' },
    settle: { default: '30000', type: 'string' },
    verbose: { default: false, type: 'boolean' }
  }
})
const root = new URL('../..', import.meta.url).pathname
const logmesh = join(root, 'scripts/logmesh')
const emit = (event, data = {}) => process.stdout.write(JSON.stringify({ event, ...data }) + '\n')
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
let seed = Number(opt.seed)
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}
const pick = list => list[Math.floor(random() * list.length)]

async function freePort() {
  return new Promise(resolve => {
    let s = createServer()
    s.listen(0, '127.0.0.1', () => {
      let port = s.address().port
      s.close(() => resolve(port))
    })
  })
}

const dir = mkdtempSync(join(tmpdir(), 'roam-'))
const nodes = []

function startNode(n) {
  let args = ['node', '--name', n.name, '--no-mdns', '--host', '127.0.0.1', '--port', String(n.port), '--json',
    '--presence-period', '0']
  args.push(...(n.memory ? ['--memory'] : ['--data', n.data]))
  for (let other of nodes) if (other !== n) args.push('--peer', `ws://127.0.0.1:${other.port}`)
  n.proc = spawn(logmesh, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  n.ready = new Promise(resolve => {
    jsonLines(n.proc.stdout, e => {
      if (e.event === 'ready') resolve()
      if (e.event === 'add' && e.action && e.action.u) n.seen.add(e.action.u)
    })
  })
  n.stderr = ''
  n.proc.stderr.on('data', d => {
    n.stderr += d
    if (n.stderr.length > 200000) n.stderr = n.stderr.slice(-100000)
  })
  n.up = true
  return n.ready
}

async function kill9(n) {
  let exited = new Promise(resolve => n.proc.once('exit', resolve))
  n.proc.kill('SIGKILL')
  await exited
  for (let [u, r] of recent) {
    if (r.node === n && Date.now() - r.at < 1000 && (!r.client || n.memory || restoring)) atRisk.add(u)
  }
  n.up = false
  if (n.memory) n.seen = new Set()
}

const generated = new Set()
const atRisk = new Set() // written to a node's stdin less than 1 s before it was killed: may be lost with it
const recent = new Map()
let nodeAdds = 0
function nodeAdd(n) {
  if (!n.up) return
  let u = `${n.name}-${nodeAdds++}`
  generated.add(u)
  recent.set(u, { node: n, at: Date.now() })
  n.proc.stdin.write(JSON.stringify({ type: 'n', u }) + '\n')
}

const clients = []
function makeClient(name, user, clientIdPart, first) {
  let Kind = clientIdPart ? class extends Client { getClientId() { return clientIdPart } } : Client
  let client = new Kind({ server: `ws://127.0.0.1:${first.port}`, subprotocol: 1, token: '', userId: user })
  client.node.throwsError = false
  let c = { name, client, adds: new Map(), at: null, own: 0, errors: [] }
  // keep every action, so that the client's log drops an id it has (the count of 'add' per id is then what the
  // client applied)
  client.log.on('preadd', (action, meta) => {
    if (!meta.reasons.includes('keep')) meta.reasons.push('keep')
  })
  c.ids = new Map()
  client.on('add', (action, meta) => {
    if (action.u) c.adds.set(action.u, (c.adds.get(action.u) || 0) + 1)
    if (action.u) c.ids.set(action.u, new Set([...(c.ids.get(action.u) || []), meta.id]))
  })
  client.node.on('error', e => c.errors.push(String(e && e.message || e)))
  client.node.on('clientError', e => c.errors.push('clientError ' + String(e && e.message || e)))
  client.start()
  c.at = first
  clients.push(c)
  return c
}

async function settled(c) {
  // ws (Node) throws on close() while the socket connects: wait for the attempt to end
  let ws = c.client.node.connection.connection
  for (let i = 0; i < 100 && ws.ws && ws.ws.readyState === 0; i++) await sleep(20)
}

// Disconnects as a browser does: no message of the closed socket is handled after close() (ws in Node still emits
// the ones that arrived before the close frame, and @logux/core would read them with the next connection's time
// base and remote node id: wrong ids)
function drop(c) {
  let reconnect = c.client.node.connection
  let old = reconnect.connection.ws
  if (reconnect.connected || reconnect.connecting) reconnect.disconnect('destroy')
  if (old) {
    old.onmessage = null
    old.onerror = null
  }
}

async function moveClient(c, n) {
  await settled(c)
  let reconnect = c.client.node.connection
  drop(c)
  reconnect.connection.url = `ws://127.0.0.1:${n.port}`
  reconnect.connect()
  c.at = n
}

async function clientAdd(c) {
  let u = `${c.name}-${c.own++}`
  generated.add(u)
  if (opt.verbose) emit('client-add', { u, at: c.at.name, state: c.client.node.state })
  // a node that acknowledged it and is killed (--memory) or restored (SQLite) before it passed it on loses it
  recent.set(u, { node: c.at, at: Date.now(), client: true })
  await c.client.log.add({ type: 'c', u }, { sync: true })
}

// An online backup of a SQLite node's log (SQLite's backup API, as `sqlite3 log.db .backup` does), with a copy of
// its clock side file
function backup(n) {
  let db = join(n.data, 'log.db')
  execFileSync('python3', ['-c', 'import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); '
    + 's.backup(d); d.close(); s.close()', db, db + '.bak'])
  copyFileSync(db + '.clock', db + '.clock.bak')
  n.backup = true
}

// Stops the node (SIGKILL), puts the backup in place of its log (with the old side file when withClock), starts it
let restoring = false
async function restore(n, withClock) {
  restoring = true
  await kill9(n)
  restoring = false
  let db = join(n.data, 'log.db')
  for (let f of ['-wal', '-shm']) rmSync(db + f, { force: true })
  copyFileSync(db + '.bak', db)
  if (withClock) copyFileSync(db + '.clock.bak', db + '.clock')
  await startNode(n)
}

function nodeLog(n) {
  if (n.memory) return n.seen
  let out = execFileSync(logmesh, ['log', '--data', n.data], { encoding: 'utf8', maxBuffer: 1 << 28 })
  let set = new Set()
  for (let line of out.split('\n')) {
    if (!line.trim()) continue
    let [action] = JSON.parse(line)
    if (action.u) set.add(action.u)
  }
  return set
}

async function main() {
  let count = 3
  for (let i = 0; i < count; i++) {
    let memory = i === count - 1 && opt.memory === '1'
    nodes.push({ name: 'n' + i, port: opt.port ? Number(opt.port) + i : await freePort(), memory, data: join(dir, 'n' + i), seen: new Set() })
  }
  await Promise.all(nodes.map(startNode))
  emit('nodes', { ports: nodes.map(n => n.port) })
  for (let i = 0; i < Number(opt.clients); i++) {
    makeClient('c' + i, 'u' + (i % 3), undefined, pick(nodes))
  }
  let tabs = []
  for (let i = 0; i < Number(opt.tabs); i++) {
    tabs.push(makeClient('t' + i, 'tabuser', 'shared1', nodes[i % nodes.length]))
  }
  let kills = 0
  for (let round = 0; round < Number(opt.rounds); round++) {
    for (let c of clients) if (random() < 0.3) await moveClient(c, pick(nodes))
    for (let k = 0; k < 2; k++) nodeAdd(pick(nodes))
    await clientAdd(pick(clients))
    if (random() < 0.1) {
      let c = pick(clients)
      await settled(c)
      drop(c) // offline for a while
    }
    if (Number(opt.kills) > 0 && random() < 0.06 * Number(opt.kills)) {
      let n = pick(nodes)
      if (n.up) {
        await kill9(n)
        kills++
        emit('killed', { node: n.name, round })
        await sleep(200 + random() * 800)
        await startNode(n)
        emit('restarted', { node: n.name, round })
      }
    }
    if (Number(opt.restores) > 0) {
      let n = pick(nodes.filter(x => !x.memory && x.up))
      if (n && !n.backup && random() < 0.15) {
        backup(n)
        emit('backup', { node: n.name, round })
      } else if (n && n.backup && random() < 0.08 * Number(opt.restores)) {
        let withClock = random() < 0.5
        await restore(n, withClock)
        n.backup = false
        kills++
        emit('restored', { node: n.name, round, withClock })
      }
    }
    await sleep(50 + random() * 250)
  }
  emit('added', { generated: generated.size, kills })
  // settle: every client online somewhere, until every node and client has everything, or the time is up
  for (let c of clients) await moveClient(c, pick(nodes))
  let deadline = Date.now() + Number(opt.settle)
  let state
  for (;;) {
    await sleep(1000)
    let live = new Set(nodes.flatMap(n => [...n.seen]))
    let missing = clients.map(c => [...live].filter(u => !c.adds.has(u)).length)
    state = { missing }
    if (missing.every(m => m === 0) || Date.now() > deadline) break
  }
  await sleep(1500) // the last flush of client cursors, resends
  let result = { generated: generated.size, kills, atRisk: atRisk.size, clients: {}, nodes: {} }
  let ok = true
  let logs = nodes.map(nodeLog)
  let mesh = new Set(logs.flatMap(set => [...set]))
  nodes.forEach((n, i) => {
    // a node that lacks what another has: not converged; an action no node has and that was not at risk: lost
    let lacks = [...mesh].filter(u => !logs[i].has(u))
    result.nodes[n.name] = { size: logs[i].size, lacks }
    if (lacks.length > 0) ok = false
  })
  result.lostByMesh = [...generated].filter(u => !mesh.has(u)).map(u => u + (atRisk.has(u) ? '(at risk)' : ''))
  if (result.lostByMesh.some(u => !u.endsWith('(at risk)'))) ok = false
  for (let c of clients) {
    // a node sends no client the actions of its own client id (any tab: they share a log in @logux/client)
    let missing = [...mesh].filter(u => !c.adds.has(u) && !(tabs.includes(c) && /^t\d+-/.test(u)))
    // one action, one id: an action that reached the client under two ids would be applied twice by any app
    let twice = [...c.ids].filter(([, ids]) => ids.size > 1).map(([u, ids]) => u + ' ' + [...ids].join('|'))
    // the same id again: a resend (docs/logux-apps.md, "Resends"); @logux/core's MemoryStore keeps an id twice when its
    // time differs (another connection's time fix), so these are counted, not failed
    let resent = [...c.adds.values()].reduce((sum, k) => sum + k - 1, 0)
    result.clients[c.name] = { got: c.adds.size, resent, missing, twice, errors: c.errors.slice(0, 5), at: c.at.name }
    if (missing.length > 0 || twice.length > 0) ok = false
  }
  result.ok = ok
  emit('result', result)
  for (let c of clients) c.client.destroy()
  for (let n of nodes) if (n.up) await kill9(n)
  if (!ok) {
    for (let n of nodes) emit('stderr', { node: n.name, tail: n.stderr.slice(-3000) })
  }
  rmSync(dir, { force: true, recursive: true })
  process.exit(ok ? 0 : 1)
}

main().catch(e => {
  emit('error', { message: String(e && e.stack || e) })
  for (let n of nodes) if (n.up) n.proc.kill('SIGKILL')
  setTimeout(() => { // the nodes' files closed
    rmSync(dir, { force: true, recursive: true })
    process.exit(2)
  }, 500)
})
