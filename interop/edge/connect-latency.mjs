// Probe (once38): how long a Logux client waits from its `connect` to the first entry of its catch-up. A bare
// protocol 5 client (a new node id each time, synced 0, as a new @logux/client tab) answers pings with pong, as
// @logux/core does, and times the first `sync` that carries an entry; --runs times, then prints the median and p90.
// The node under test must hold at least one entry a client gets (e.g. an unaddressed one under EVERY_CLIENT).
//   node edge/connect-latency.mjs --url ws://127.0.0.1:PORT [--runs 50]
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

const { values: opt } = parseArgs({
  options: { url: { type: 'string' }, runs: { default: '50', type: 'string' } }
})

function once(i) {
  return new Promise((resolve, reject) => {
    let ws = new WebSocket(opt.url)
    let sent
    let timer = setTimeout(() => reject(new Error('no entry within 10 s')), 10000)
    ws.on('open', () => {
      sent = process.hrtime.bigint()
      ws.send(JSON.stringify(['connect', 5, `probe${i}:${Date.now()}:t`, 0]))
    })
    ws.on('message', data => {
      let m = JSON.parse(data.toString())
      if (m[0] === 'ping') ws.send(JSON.stringify(['pong', 0]))
      if (m[0] === 'sync' && m.length > 2) {
        clearTimeout(timer)
        let ms = Number(process.hrtime.bigint() - sent) / 1e6
        ws.close()
        resolve(ms)
      }
    })
    ws.on('error', reject)
  })
}

let times = []
for (let i = 0; i < Number(opt.runs); i++) times.push(await once(i))
times.sort((a, b) => a - b)
const at = q => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2)
console.log(JSON.stringify({ runs: times.length, medianMs: at(0.5), p90Ms: at(0.9), minMs: times[0].toFixed(2) }))
