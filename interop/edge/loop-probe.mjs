// A probe of how long a node's loop is held: a bare protocol 5 client that pings
// the node every --every ms (10 a second by default, half the node's flood limit)
// and records how long each pong took. A pong waits while the node's loop runs
// another task (a frame being decoded or handled), so the slowest pong is about
// the longest time the loop served nobody, from outside the process.
//
//   node edge/loop-probe.mjs --url ws://127.0.0.1:PORT [--every MS, 100] [--for MS, 60000]
//
// Prints one JSON line at the end: {"pings":N,"maxMs":M,"over1s":K,"p99Ms":P}.
import WebSocket from 'ws'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    every: { default: '100', type: 'string' },
    for: { default: '60000', type: 'string' },
    url: { type: 'string' }
  }
})
const ws = new WebSocket(values.url)
const took = []
let sentAt = null
ws.on('open', () => ws.send(JSON.stringify(['connect', 5, 'probe:pr0be000:t1', 0])))
ws.on('message', data => {
  const m = JSON.parse(data.toString())
  if (m[0] === 'connected') {
    const timer = setInterval(() => {
      if (sentAt === null) {
        sentAt = Date.now()
        ws.send(JSON.stringify(['ping', 0]))
      }
    }, Number(values.every))
    setTimeout(() => {
      clearInterval(timer)
      const sorted = [...took].sort((a, b) => a - b)
      process.stdout.write(JSON.stringify({
        maxMs: sorted.length ? sorted[sorted.length - 1] : null,
        over1s: took.filter(t => t > 1000).length,
        p99Ms: sorted.length ? sorted[Math.floor(sorted.length * 0.99)] : null,
        pings: took.length
      }) + '\n')
      ws.close()
      process.exit(0)
    }, Number(values.for))
  } else if (m[0] === 'pong') {
    took.push(Date.now() - sentAt)
    sentAt = null
  }
})
ws.on('error', e => {
  process.stderr.write(String(e) + '\n')
  process.exit(1)
})
