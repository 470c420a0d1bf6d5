// Probe (break41): a bare protocol 5 client that adds --count actions of --size chars, one `sync` frame each, at
// most --window unacknowledged, and prints progress. Against a `--memory` node: `LOGMESH_JAVA_OPTS=-Xmx128m logmesh
// node --memory ...` and `--count 20000 --size 20000` stopped the node with an OutOfMemoryError after about 4,000
// actions (break41); since session 42 (mem42) its memory store has a budget (a third of the heap, --memory-limit)
// and the node stays up, full, refusing what does not fit (2,127 actions held at -Xmx128m). A SQLite node took all 20,000
// (400 MB) in 30 s with RSS 170 MB, with 5 clients connected that never read (each dropped after ~72 s).
//
//   node edge/flood.mjs --url ws://127.0.0.1:PORT [--count 20000] [--size 20000] [--window 50]
//
// Prints {"synced":N,"ms":T} every 1,000 actions, then {"done":true,...} (exit 0) or {"closed":code,...} (exit 1).
import WebSocket from 'ws'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    count: { default: '20000', type: 'string' },
    size: { default: '20000', type: 'string' },
    url: { type: 'string' },
    window: { default: '50', type: 'string' }
  }
})
const count = Number(values.count)
const text = 'x'.repeat(Number(values.size))
const id = `flood:${Math.random().toString(36).slice(2, 10)}:t1`
const ws = new WebSocket(values.url)
const start = Date.now()
let sent = 0
let synced = 0
const say = line => process.stdout.write(JSON.stringify({ ...line, ms: Date.now() - start }) + '\n')
const pump = () => {
  while (sent < count && sent - synced < Number(values.window)) {
    sent++
    ws.send(JSON.stringify(['sync', sent, { i: sent, text, type: 'flood' },
      { id: `${Date.now()} ${id} ${sent}`, time: Date.now() }]))
  }
}
ws.on('open', () => ws.send(JSON.stringify(['connect', 5, id, 0, { subprotocol: 1 }])))
ws.on('message', data => {
  const m = JSON.parse(data.toString())
  if (m[0] === 'connected') {
    pump()
  } else if (m[0] === 'synced') {
    synced = m[1]
    if (synced % 1000 === 0) say({ synced })
    if (synced >= count) {
      say({ done: true, synced })
      process.exit(0)
    }
    pump()
  } else if (m[0] === 'ping') {
    ws.send(JSON.stringify(['pong', 0]))
  } else if (m[0] === 'sync') {
    ws.send(JSON.stringify(['synced', m[1]]))
  } else if (m[0] === 'error') {
    say({ error: m.slice(0, 2) })
  }
})
ws.on('close', code => {
  say({ closed: code, synced })
  process.exit(1)
})
