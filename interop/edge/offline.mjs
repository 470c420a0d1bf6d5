// Scenario "offline": a stock @logux/client 0.23 Client that adds actions while
// offline, then connects. Its catch-up puts every unsent action into ONE sync
// frame (BaseNode.syncSince), so 6,000 actions of 260 bytes make a frame of
// about 1.6 MB, over a node's --max-frame of 1 MiB (session 25: the node
// answered wrong-format and closed, the client sent the same frame at every
// reconnect, none was ever processed; @logux/server 0.14 processed all 6,000).
//
//   node edge/offline.mjs --url ws://127.0.0.1:PORT [--count N, 6000] [--size BYTES of each action's text, 260]
//        [--big BYTES: one more action with a text that large, added first] [--timeout MS per step, 5000]
//        [--wait MS for every action to be answered, 60000] [--trace: each message sent and received on stderr,
//        with the seconds since the start (a sync as its number and count of entries)]
//
// Prints one JSON line per step (see lib.mjs), exit code 0 when all passed:
// every action processed (the big one undone with reason "error", as a node
// refuses an action larger than a mesh frame can carry), no error from the
// node, and an action added after the catch-up processed too.
import { Client } from '@logux/client'

import { catchErrors, check, options, steps as newSteps, until } from './lib.mjs'

const opts = options({
  big: { type: 'string' },
  count: { default: '6000', type: 'string' },
  size: { default: '260', type: 'string' },
  trace: { default: false, type: 'boolean' },
  wait: { default: '60000', type: 'string' }
}, 'usage: node edge/offline.mjs --url ws://127.0.0.1:PORT [--count N] [--size BYTES] [--big BYTES]')
const count = Number(opts.count)
const text = 'x'.repeat(Number(opts.size))

const steps = newSteps('offline', opts.timeout)
const client = new Client({ server: opts.url, subprotocol: 1, token: opts.token, userId: 'alice' })
const errors = catchErrors(client.node)
let connects = 0
if (opts.trace) {
  // who sends what when (session 34: the timing of both sides while the node handles the catch-up in slices)
  const t0 = Date.now()
  const say = line => process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(3)} ${line}\n`)
  const tr = (dir, m) => say(`${dir} ${m[0]} ${m[0] === 'sync' ? `${m[1]} n=${(m.length - 2) / 2}`
    : JSON.stringify(m.slice(1)).slice(0, 80)}`)
  client.node.connection.on('message', m => tr('in ', m))
  const send = client.node.connection.send.bind(client.node.connection)
  client.node.connection.send = m => { tr('out', m); return send(m) }
  client.node.connection.on('disconnect', r => say(`disconnect ${r}`))
}
client.node.connection.on('connect', () => {
  connects += 1
})

let processed = 0
let undone = []
let big = null
let settled = 0
const settle = () => {
  settled += 1
}
if (opts.big) {
  client.sync({ text: 'b'.repeat(Number(opts.big)), type: 'offline/big' }).then(
    () => { big = 'processed' },
    e => { big = e.action ? `undo ${e.action.reason}` : String(e) }
  ).finally(settle)
}
for (let i = 0; i < count; i++) {
  client.sync({ i, text, type: 'offline/add' }).then(
    () => { processed += 1 },
    e => { undone.push(e.action ? e.action.reason : String(e)) }
  ).finally(settle)
}
const total = count + (opts.big ? 1 : 0)

await steps.run('start', async () => {
  client.start()
  await until(() => client.node.connected && client.node.authenticated, 'connected')
  return { clientId: client.clientId, server: client.node.remoteNodeId }
}, { required: true })

await steps.run('processed', async () => {
  let start = Date.now()
  await until(() => settled === total || errors.length > 0, 'every action answered')
  check(errors.length === 0, `errors from the node: ${errors.join(', ')} (connects: ${connects})`)
  check(processed === count, `${processed} of ${count} processed; undone: ${undone.slice(0, 3).join(', ')}`)
  if (opts.big) check(big === 'undo error', `the big action: ${big}`)
  return { big, connects, ms: Date.now() - start, processed, undone: undone.length }
}, { timeout: Number(opts.wait) })

await steps.run('after', async () => {
  await client.sync({ type: 'offline/after' })
  return { connects }
})

client.destroy()
steps.done()
setTimeout(() => process.exit(), 50)
