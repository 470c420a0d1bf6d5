// Scenario "auth-attempts": what a server answers to a timed sequence of Logux
// client connects from one address (raw protocol-5 frames over ws), to compare
// a logmesh node with a stock @logux/server 0.14 (edge/logux-server.mjs).
//
//   node edge/auth-attempts.mjs --url ws://127.0.0.1:PORT --user alice --token GOOD
//
// Sequence (ms from the start): the reserved user server at 0 (3 times), a bad
// token at 0, 1000 and 2000, the good token at 2900 and at 4100.
// Both answer (seen 2026-12-03): wrong-credentials for every attempt up to 2900
// (the good token too: 3 failures within 3 s block the address), connected at
// 4100 (the failures at 0 and 1000 no longer count).
// stdout: one JSON line per attempt {at, actual, nodeId, answer}.
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

const { values: opts } = parseArgs({
  options: { token: { type: 'string' }, url: { type: 'string' }, user: { default: 'alice', type: 'string' } }
})
if (!opts.url || !opts.token) {
  process.stderr.write('usage: node edge/auth-attempts.mjs --url ws://127.0.0.1:PORT --token GOOD [--user alice]\n')
  process.exit(2)
}
const t0 = Date.now()
const until = ms => new Promise(resolve => setTimeout(resolve, Math.max(0, t0 + ms - Date.now())))

// the first answer that is not headers: "connected" or the error frame
function attempt(at, nodeId, token) {
  return new Promise(resolve => {
    let ws = new WebSocket(opts.url)
    let done = answer => {
      process.stdout.write(JSON.stringify({ actual: Date.now() - t0, answer, at, nodeId }) + '\n')
      ws.close()
      resolve()
    }
    ws.on('open', () => ws.send(JSON.stringify(['connect', 5, nodeId, 0, { subprotocol: 1, token }])))
    ws.on('message', data => {
      let msg = JSON.parse(data.toString())
      if (msg[0] === 'connected') done('connected')
      else if (msg[0] === 'error') done(msg.slice(0, 2).join(' '))
    })
    ws.on('error', e => done('socket error ' + e.message))
  })
}

const node = `${opts.user}:probe:tab`
for (let i = 0; i < 3; i++) await attempt(0, `server:${i}`, 'x')
for (let i = 0; i < 3; i++) {
  await until(i * 1000)
  await attempt(i * 1000, node, 'bad')
}
await until(2900)
await attempt(2900, node, opts.token)
await until(4100)
await attempt(4100, node, opts.token)
process.exit(0)
