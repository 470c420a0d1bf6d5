// break52 probe: a stock @logux/client adds actions as fast as the node processes them (client.sync, --window at a
// time) and prints each one's answer: {"event":"processed","id":...} / undone / sent. Used with a kill -9 of the node:
// every action answered logux/processed (and every one the client's log marked synced) must be in the node's log
// after its restart. stdin: EOF stops.   node edge/break52-durable.mjs --url ws://127.0.0.1:PORT [--window 50]
import { Client } from '@logux/client'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

if (typeof globalThis.WebSocket === 'undefined') globalThis.WebSocket = WebSocket
const { values: opts } = parseArgs({ options: { url: { type: 'string' }, window: { default: '50', type: 'string' } } })
const emit = (event, data = {}) => process.stdout.write(JSON.stringify({ event, t: Date.now(), ...data }) + '\n')
process.on('uncaughtException', e => emit('error', { message: String(e && e.stack || e) }))
process.on('unhandledRejection', e => emit('error', { message: String(e && e.stack || e) }))
const client = new Client({ server: opts.url, subprotocol: 1, userId: 'dur' })
client.node.on('state', () => emit('state', { state: client.node.state }))
client.start()
let n = 0
let stop = false
process.stdin.on('end', () => { stop = true; emit('summary', { added: n, synced: client.node.lastSynced }); setTimeout(() => process.exit(0), 200) })
process.stdin.resume()
async function one () {
  const i = ++n
  const meta = {}
  try {
    const promise = client.sync({ type: 'dur/a', i }, meta)
    await promise
    emit('processed', { i })
  } catch (e) {
    emit('undone', { i, message: String(e && e.message || e) })
  }
}
async function lane () { while (!stop) await one() }
for (let w = 0; w < Number(opts.window); w++) lane()
