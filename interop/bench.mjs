// JS half of the logmesh benchmarks. Prints one JSON line per run.
//
//   node bench.mjs bulk --n 50000 [--chunk 0] [--store indexed|memory] [--url URL]
//     A ServerNode holds N actions; a fresh ClientNode connects; time until the
//     client's log holds all N. --chunk K makes our JS server send its catch-up
//     in sync messages of K actions (stock 0.10 sends one message); --url
//     benchmarks against another server (e.g. logmesh) that already holds N.
//   node bench.mjs rtt --count 2000 [--warmup 100] [--warmup-seconds 0] [--in-process] [--url URL]
//     Client adds one action, waits for the server's `synced`; sequentially. The server half is a
//     child process (two event loops), or with --in-process on the client's own event loop.
//   node bench.mjs serve --n N [--chunk K] [--port P] [--store S]
//     The server half (spawned by the two above when there is no --url).
import {
  ClientNode,
  Log,
  MemoryStore,
  ServerConnection,
  ServerNode,
  WsConnection
} from '@logux/core'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import WebSocket, { WebSocketServer } from 'ws'

import { IndexedStore } from './indexed-store.mjs'

const CORE = createRequire(import.meta.url)('@logux/core/package.json').version
const { positionals, values: opts } = parseArgs({
  allowPositionals: true,
  options: {
    chunk: { default: '0', type: 'string' },
    count: { default: '2000', type: 'string' },
    'in-process': { default: false, type: 'boolean' },
    n: { default: '50000', type: 'string' },
    port: { default: '0', type: 'string' },
    rounds: { default: '1', type: 'string' },
    store: { default: 'indexed', type: 'string' },
    timeout: { default: '300000', type: 'string' },
    url: { type: 'string' },
    warmup: { default: '100', type: 'string' },
    'warmup-seconds': { default: '0', type: 'string' }
  }
})
const mode = positionals[0]
const N = Number(opts.n)
const CHUNK = Number(opts.chunk)
const newStore = () => (opts.store === 'memory' ? new MemoryStore() : new IndexedStore())
const print = data => process.stdout.write(JSON.stringify({ core: CORE, node: process.version, ...data }) + '\n')

// Same as stock ServerNode, but the catch-up goes out in sync messages of
// CHUNK actions (oldest first) instead of one message.
class ChunkedServerNode extends ServerNode {
  async syncSince(lastSynced) {
    let data = await this.syncSinceQuery(lastSynced)
    if (!this.connected) return
    if (data.entries.length === 0) {
      this.setState('synchronized')
      return
    }
    let oldestFirst = data.entries.reverse()
    for (let i = 0; i < oldestFirst.length; i += CHUNK) {
      let part = oldestFirst.slice(i, i + CHUNK)
      let added = Math.max(...part.map(([, meta]) => meta.added))
      this.sendSync(added, part.reverse()) // sendSync reverses again
    }
  }
}

// The server half: a log of n actions behind a WebSocket server on 127.0.0.1; resolves to { port, preloadMs, wss }.
async function listen(n) {
  let log = new Log({ nodeId: 'bench-server', store: newStore() })
  let start = performance.now()
  for (let i = 0; i < n; i++) {
    await log.add({ i, type: 'bench/bulk' }, { reasons: ['bench'] })
  }
  let preloadMs = performance.now() - start
  let Node = CHUNK > 0 ? ChunkedServerNode : ServerNode
  let wss = new WebSocketServer({ host: '127.0.0.1', port: Number(opts.port) })
  wss.on('connection', ws => {
    let node = new Node('bench-server', log, new ServerConnection(ws))
    node.catch(err => process.stderr.write(`server: ${err.message}\n`))
  })
  await new Promise(resolve => wss.on('listening', resolve))
  return { port: wss.address().port, preloadMs: Math.round(preloadMs), wss }
}

async function serve() {
  let { port, preloadMs } = await listen(N)
  print({ event: 'ready', port, preloadMs })
  createInterface({ input: process.stdin }).on('close', () => process.exit(0))
}

// Starts `bench.mjs serve` unless --url was given; resolves to { url, info, stop }.
async function server(n) {
  if (opts.url) return { info: {}, stop() {}, url: opts.url }
  if (opts['in-process']) { // the server half in this process, on the client's event loop
    let { port, preloadMs, wss } = await listen(n)
    return { info: { port, preloadMs }, stop: () => wss.close(), url: `ws://127.0.0.1:${port}` }
  }
  let args = ['serve', '--n', String(n), '--chunk', opts.chunk, '--store', opts.store]
  let child = spawn(process.execPath, [new URL(import.meta.url).pathname, ...args], {
    stdio: ['pipe', 'pipe', 'inherit']
  })
  let line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', code => reject(new Error(`server exited ${code}`)))
  })
  let info = JSON.parse(line)
  return { info, stop: () => child.stdin.end(), url: `ws://127.0.0.1:${info.port}` }
}

function connectClient(url) {
  let log = new Log({ nodeId: 'bench-client', store: newStore() })
  let connection = new WsConnection(url, WebSocket, { maxPayload: 1024 ** 3 })
  let node = new ClientNode('bench-client', log, connection)
  return { connection, log, node }
}

// Resolves with the value of the first of: done, an error, the time limit.
function race(register) {
  return new Promise(resolve => {
    let timer = setTimeout(() => resolve({ error: `timeout after ${opts.timeout} ms` }), Number(opts.timeout))
    let finish = value => {
      clearTimeout(timer)
      resolve(value)
    }
    process.on('uncaughtException', err => {
      if (process.env.BENCH_STACK) process.stderr.write(`${err.stack}\n`)
      finish({ error: `${err.name}: ${err.message}` })
    })
    register(finish)
  })
}

async function bulk() {
  let srv = await server(N)
  let rounds = Math.max(1, Number(opts.rounds))
  let times = []
  let count = 0
  let syncs = 0
  let bytes = 0
  let result = {}
  for (let r = 0; r < rounds && !result.error; r++) {
    let { connection, log, node } = connectClient(srv.url)
    count = 0
    syncs = 0
    bytes = 0
    connection.on('connect', () => {
      connection.ws.on('message', data => {
        bytes += data.length
      })
    })
    connection.on('message', msg => {
      if (msg[0] === 'sync') syncs += 1
    })
    let start = performance.now()
    result = await race(finish => {
      node.catch(err => finish({ error: err.message }))
      log.on('add', () => {
        count += 1
        if (count === N) finish({})
      })
      connection.connect()
    })
    times.push(performance.now() - start)
    node.destroy()
  }
  // the first round is cold (JIT); the best of the others is the warm figure
  let cold = times[0]
  let ms = times.length > 1 ? Math.min(...times.slice(1)) : cold
  print({
    actionsPerSec: result.error ? undefined : Math.round((N / ms) * 1000),
    bench: 'bulk',
    chunk: CHUNK,
    coldActionsPerSec: result.error ? undefined : Math.round((N / cold) * 1000),
    coldMs: Math.round(cold),
    error: result.error,
    ms: Math.round(ms),
    n: N,
    ok: !result.error,
    preloadMs: srv.info.preloadMs,
    received: count,
    rounds,
    store: opts.store,
    syncMessages: syncs,
    url: opts.url,
    wireBytes: bytes
  })
  srv.stop()
  process.exit(result.error ? 1 : 0)
}

async function rtt() {
  let srv = await server(0)
  let { connection, log, node } = connectClient(srv.url)
  let waiting = new Map() // added -> resolve
  connection.on('message', msg => {
    if (msg[0] !== 'synced') return
    for (let [added, resolve] of waiting) {
      if (added <= msg[1]) {
        waiting.delete(added)
        resolve()
      }
    }
  })
  let count = Number(opts.count)
  let warmup = Number(opts.warmup)
  let samples = []
  let warmed = 0
  let warmedMs = 0
  let result = await race(async finish => {
    node.catch(err => finish({ error: err.message }))
    connection.connect()
    await node.waitFor('synchronized')
    // the warm-up lasts at least `warmup` round trips and `warmup-seconds` seconds
    let warmupMs = Number(opts['warmup-seconds']) * 1000
    let first = performance.now()
    for (let i = 0, warm = -1; warm < 0 || i < warm + count; i++) {
      let start = performance.now()
      if (warm < 0 && i >= warmup && start - first >= warmupMs) {
        warm = i
        warmedMs = start - first
        warmed = i
      }
      let meta = await log.add({ i, type: 'bench/rtt' }, { reasons: ['bench'] })
      await new Promise(resolve => waiting.set(meta.added, resolve))
      if (warm >= 0) samples.push(performance.now() - start)
    }
    finish({})
  })
  samples.sort((a, b) => a - b)
  let pct = p => Number(samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]?.toFixed(3))
  print({
    bench: 'rtt',
    count: samples.length,
    error: result.error,
    inProcess: opts['in-process'],
    meanMs: Number((samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(3)),
    ok: !result.error,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    store: opts.store,
    url: opts.url,
    warmup: warmed,
    warmupMs: Math.round(warmedMs)
  })
  srv.stop()
  process.exit(result.error ? 1 : 0)
}

const modes = { bulk, rtt, serve }
if (!modes[mode]) {
  process.stderr.write('usage: node bench.mjs bulk|rtt|serve [options]\n')
  process.exit(2)
}
modes[mode]()
