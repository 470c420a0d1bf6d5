// Probe (break41): bare protocol 5 clients, one after another, that each send one `headers` message of --size
// chars and stay connected. A node keeps a client's last headers for its session (its hooks read them): before
// break41 it kept any size up to the client frame limit, and 11 clients of 15 MB stopped a `logmesh node` with
// -Xmx256m (OutOfMemoryError); now headers over 65,536 bytes are refused with `wrong-format` and the session ends.
//
//   node edge/long-headers.mjs --url ws://127.0.0.1:PORT [--clients 20] [--size 15000000]
//
// Prints one JSON line per client: {"client":K,"taken":true} when the node answered a ping sent after the headers,
// or {"client":K,"error":[...],"closed":true}; then {"done":true,"taken":T,"refused":R}. Exit 0 when the node still
// answers a small client's connect at the end.
import WebSocket from 'ws'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    clients: { default: '20', type: 'string' },
    size: { default: '15000000', type: 'string' },
    url: { type: 'string' }
  }
})
const big = 'h'.repeat(Number(values.size))
const run = Math.random().toString(36).slice(2, 8)
const open = []
let taken = 0
let refused = 0

function client(k, headers) {
  return new Promise(resolve => {
    const ws = new WebSocket(values.url, { maxPayload: 1 << 30 })
    let error = null
    ws.on('open', () => ws.send(JSON.stringify(['connect', 5, `hd${k}:${run}:t1`, 0, { subprotocol: 1 }])))
    ws.on('message', data => {
      const m = JSON.parse(data.toString())
      if (m[0] === 'connected') {
        ws.send(JSON.stringify(['headers', headers]))
        ws.send(JSON.stringify(['ping', 1]))
      } else if (m[0] === 'ping') {
        ws.send(JSON.stringify(['pong', 0]))
      } else if (m[0] === 'sync') {
        ws.send(JSON.stringify(['synced', m[1]]))
      } else if (m[0] === 'pong') {
        open.push(ws)
        resolve({ client: k, taken: true })
      } else if (m[0] === 'error') {
        error = [m[0], m[1]]
      }
    })
    ws.on('close', () => resolve({ client: k, closed: true, error }))
    ws.on('error', () => resolve({ client: k, closed: true, error: 'no connection' }))
  })
}

for (let k = 1; k <= Number(values.clients); k++) {
  const r = await client(k, { big })
  if (r.taken) taken++
  else refused++
  process.stdout.write(JSON.stringify(r) + '\n')
}
const last = await client(0, { env: 'development' })
process.stdout.write(JSON.stringify({ done: true, nodeAnswers: last.taken === true, refused, taken }) + '\n')
for (const ws of open) ws.close()
process.exit(last.taken === true ? 0 : 1)
