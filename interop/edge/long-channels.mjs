// Probe (break41): bare protocol 5 clients that subscribe to many channels with long names, as a buggy or hostile
// client may (a channel name may be as long as the client's frame). Before break41 a node held whatever they
// asked for up to 1,000 subscriptions each: 4 clients of 1,000 channels of 100,000 chars stopped a `logmesh node`
// with -Xmx256m (OutOfMemoryError, the node gone); now a connection's subscriptions hold at most 1,048,576 chars
// and the rest are undone (reason `error`).
//
//   node edge/long-channels.mjs --url ws://127.0.0.1:PORT [--clients 4] [--count 1000] [--size 100000]
//
// Prints one JSON line per client when all its subscriptions are answered or its connection closes:
// {"client":"lc1:...:t1","processed":P,"undone":U,"closed":bool,"ms":N}; exit 0 when every client had every
// subscription answered (processed or undone) and none was closed by the node.
import WebSocket from 'ws'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    clients: { default: '4', type: 'string' },
    count: { default: '1000', type: 'string' },
    size: { default: '100000', type: 'string' },
    url: { type: 'string' }
  }
})
const count = Number(values.count)
const pad = 'c'.repeat(Number(values.size))
const run = Math.random().toString(36).slice(2, 8)

function client(k) {
  return new Promise(resolve => {
    const id = `lc${k}:${run}:t1`
    const ws = new WebSocket(values.url, { maxPayload: 1 << 30 })
    const start = Date.now()
    let processed = 0
    let undone = 0
    let sent = 0
    let finished = false
    const finish = closed => {
      if (finished) return
      finished = true
      process.stdout.write(JSON.stringify({ client: id, closed, ms: Date.now() - start, processed, undone }) + '\n')
      ws.close()
      resolve(!closed && processed + undone === count)
    }
    const pump = () => {
      const parts = []
      for (let i = 0; i < 50 && sent < count; i++) {
        sent++
        parts.push(JSON.stringify({ channel: `room/${sent}/${pad}`, type: 'logux/subscribe' }),
          JSON.stringify({ id: `${Date.now()} ${id} ${sent}`, time: Date.now() }))
      }
      if (parts.length > 0) ws.send('["sync",' + sent + ',' + parts.join(',') + ']')
    }
    ws.on('open', () => ws.send(JSON.stringify(['connect', 5, id, 0, { subprotocol: 1 }])))
    ws.on('message', data => {
      const m = JSON.parse(data.toString())
      if (m[0] === 'connected' || m[0] === 'synced') {
        pump()
      } else if (m[0] === 'ping') {
        ws.send(JSON.stringify(['pong', 0]))
      } else if (m[0] === 'sync') {
        for (let i = 2; i < m.length; i += 2) {
          if (m[i].type === 'logux/processed') processed++
          if (m[i].type === 'logux/undo') undone++
        }
        ws.send(JSON.stringify(['synced', m[1]]))
        if (processed + undone === count) finish(false)
      }
    })
    ws.on('close', () => finish(true))
    ws.on('error', () => finish(true))
  })
}

const results = await Promise.all(Array.from({ length: Number(values.clients) }, (_, k) => client(k + 1)))
process.exit(results.every(Boolean) ? 0 : 1)
