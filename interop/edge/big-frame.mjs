// A bare protocol 5 client that sends one catch-up `sync` of --count actions (as @logux/client sends what it added
// offline, in one frame) and reports when the node's `synced` came; with loop-probe.mjs on another connection it
// shows how long the node's loop was held by the frame (its decode, its check, its slices).
//
//   node edge/big-frame.mjs --url ws://127.0.0.1:PORT [--count N, 700000] [--size BYTES of each action's text, 50]
//
// Prints one JSON line: {"count":N,"bytes":B,"sentMs":S,"syncedMs":T,"processed":P}.
import WebSocket from 'ws'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    count: { default: '700000', type: 'string' },
    size: { default: '50', type: 'string' },
    url: { type: 'string' }
  }
})
const count = Number(values.count)
const text = 'x'.repeat(Number(values.size))
const parts = ['["sync",' + count]
for (let i = 0; i < count; i++) {
  parts.push(`{"i":${i},"text":"${text}","type":"offline/add"},{"id":[${i + 1},0],"time":${i + 1}}`)
}
const frame = parts.join(',') + ']'
const ws = new WebSocket(values.url, { maxPayload: 1 << 30 })
let start = 0
let sentMs = 0
let processed = 0
ws.on('open', () => ws.send(JSON.stringify(['connect', 5, 'bench:b1gfr4me:t1', 0, { subprotocol: 1 }])))
ws.on('message', data => {
  const m = JSON.parse(data.toString())
  if (m[0] === 'connected') {
    start = Date.now()
    ws.send(frame, () => { sentMs = Date.now() - start })
  } else if (m[0] === 'ping') {
    ws.send(JSON.stringify(['pong', 0]))
  } else if (m[0] === 'synced') {
    process.stdout.write(JSON.stringify({ bytes: frame.length, count, sentMs, syncedMs: Date.now() - start }) + '\n')
  } else if (m[0] === 'sync') {
    for (let i = 2; i < m.length; i += 2) if (m[i].type === 'logux/processed') processed++
    ws.send(JSON.stringify(['synced', m[1]]))
    if (processed === count) {
      process.stdout.write(JSON.stringify({ processed, processedMs: Date.now() - start }) + '\n')
      ws.close()
      process.exit(0)
    }
  } else if (m[0] === 'error') {
    process.stdout.write(JSON.stringify({ error: m }) + '\n')
  }
})
ws.on('close', (code, reason) => { process.stdout.write(JSON.stringify({ closed: code, reason: String(reason) }) + '\n') })
