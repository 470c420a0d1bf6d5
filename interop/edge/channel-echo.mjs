// Trial (once38): a bare @logux/core ClientNode without an outFilter, whose app keeps every action, subscribes to a
// channel, receives its entries, reconnects, and sends them back (its catch-up) before it subscribes again, as such an
// app does. Counts the logux/undo it gets for them. Starts its own node (scripts/logmesh node --memory, or --logmesh
// PATH) on --port and writes the channel's entries into its stdin (`[action, {"channels":[...]}]`).
//   node edge/channel-echo.mjs --port 21006 [--count 5] [--logmesh PATH]
import { ClientNode, Log, MemoryStore, WsConnection } from '@logux/core'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

import { helpFromHeader } from './lib.mjs'

helpFromHeader(import.meta.url)

const { values: opt } = parseArgs({
  options: { port: { type: 'string' }, count: { default: '5', type: 'string' }, logmesh: { type: 'string' } }
})
const root = new URL('../..', import.meta.url).pathname
const logmesh = opt.logmesh || join(root, 'scripts/logmesh')
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const N = Number(opt.count)
const url = `ws://127.0.0.1:${opt.port}`
const room = `room/${Math.random().toString(36).slice(2, 8)}`

let proc = spawn(logmesh, ['node', '--name', 'hub', '--no-mdns', '--host', '127.0.0.1', '--port', opt.port, '--json',
  '--memory', '--presence-period', '0'], { stdio: ['pipe', 'pipe', 'inherit'] })
await new Promise(resolve => {
  let buf = ''
  proc.stdout.on('data', d => {
    buf += d
    if (buf.includes('"event":"ready"')) resolve()
  })
})

let nodeId = `reader:${room.slice(5)}:t`
let log = new Log({ nodeId, store: new MemoryStore() })
log.on('preadd', (action, meta) => {
  if (!meta.reasons.includes('app')) meta.reasons.push('app')
})
let node = new ClientNode(nodeId, log, new WsConnection(url, WebSocket), { subprotocol: 1 })
node.catch(() => {})
let undos = []
let got = 0
log.on('add', action => {
  if (action.type === 'logux/undo') undos.push(action)
  if (action.type === 'echo/channel') got++
})
const until = async (test, what) => {
  for (let i = 0; i < 100 && !test(); i++) await sleep(100)
  if (!test()) throw new Error('timeout: ' + what)
}
node.connection.connect()
await until(() => node.state === 'synchronized', 'connected')
await log.add({ type: 'logux/subscribe', channel: room }, { sync: true, reasons: ['app'] })
await sleep(500)
for (let i = 0; i < N; i++) {
  proc.stdin.write(JSON.stringify([{ type: 'echo/channel', n: i }, { channels: [room] }]) + '\n')
}
await until(() => got >= N, `the reader got ${N}`)
node.connection.disconnect()
await sleep(300)
node.connection.connect() // its catch-up sends back what it received, before it subscribes again
await until(() => node.state === 'synchronized', 'reconnected')
await sleep(1500)
await log.add({ type: 'logux/subscribe', channel: room }, { sync: true, reasons: ['app'] })
await sleep(500)
let result = { received: got, undone: undos.length, reasons: [...new Set(undos.map(u => u.reason))],
  types: [...new Set(undos.map(u => u.action.type))], ok: undos.length === 0 }
console.log(JSON.stringify(result))
node.destroy()
proc.kill('SIGTERM')
process.exit(result.ok ? 0 : 1)
