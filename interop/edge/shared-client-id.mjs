// Trial "shared client id": the limit of per-client cursors (README, "Logux apps", Limits). Two @logux/client
// Clients with one client id (alice:shared1) but each its own log, as two processes or bare ClientNodes that share
// an id would be (a browser's tabs share one: only the leader tab connects, IndexedStore shares the log), on two
// --memory nodes that are not connected (a partition):
//   1. node A has a0..a4, node B has b0..b9; tab 1 syncs with A (A keeps alice:shared1 acknowledged 5),
//      tab 2 syncs with B (its synced: 10, in B's numbering);
//   2. tab 2 moves to A: A starts its catch-up after min(10, 5) = 5, past a0..a4, which tab 1 has and tab 2 not.
//
//   node edge/shared-client-id.mjs
//
// Prints what each tab got; exit code 0 when tab 2 got a0..a4 on A, 1 when it missed them (the limit), 2 on error.
import { Client } from '@logux/client'
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import WebSocket from 'ws'

if (typeof globalThis.WebSocket === 'undefined') globalThis.WebSocket = WebSocket
const root = new URL('../..', import.meta.url).pathname
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const emit = (event, data = {}) => process.stdout.write(JSON.stringify({ event, ...data }) + '\n')

async function freePort() {
  return new Promise(resolve => {
    let s = createServer()
    s.listen(0, '127.0.0.1', () => {
      let port = s.address().port
      s.close(() => resolve(port))
    })
  })
}

const procs = []
async function node(name) {
  let port = await freePort()
  let p = spawn(root + 'scripts/logmesh', ['node', '--name', name, '--no-mdns', '--host', '127.0.0.1', '--port',
    String(port), '--memory', '--json', '--presence-period', '0'], { stdio: ['pipe', 'pipe', 'ignore'] })
  procs.push(p)
  await new Promise(resolve => p.stdout.on('data', d => {
    if (String(d).includes('"ready"')) resolve()
  }))
  return { p, url: `ws://127.0.0.1:${port}` }
}

class Tab extends Client {
  getClientId() {
    return 'shared1'
  }
}

function tab(url) {
  let c = new Tab({ server: url, subprotocol: 1, token: '', userId: 'alice' })
  c.got = new Set()
  c.on('add', action => {
    if (action.u) c.got.add(action.u)
  })
  c.start()
  return c
}

async function until(test) {
  for (let i = 0; i < 100 && !test(); i++) await sleep(50)
  return test()
}

async function main() {
  let a = await node('a')
  let b = await node('b')
  let as = ['a0', 'a1', 'a2', 'a3', 'a4']
  for (let u of as) a.p.stdin.write(JSON.stringify({ type: 'n', u }) + '\n')
  for (let i = 0; i < 10; i++) b.p.stdin.write(JSON.stringify({ type: 'n', u: 'b' + i }) + '\n')
  let tab1 = tab(a.url)
  let tab2 = tab(b.url)
  await until(() => tab1.got.size === 5 && tab2.got.size === 10)
  await sleep(300) // the last synced answers
  emit('before', { tab1: [...tab1.got], tab2: [...tab2.got], tab2Synced: tab2.node.lastReceived })
  let reconnect = tab2.node.connection
  reconnect.disconnect('destroy')
  reconnect.connection.url = a.url
  reconnect.connect()
  await until(() => tab2.node.state === 'synchronized' && as.every(u => tab2.got.has(u)))
  let lacks = as.filter(u => !tab2.got.has(u))
  emit('after', { tab2: [...tab2.got], lacks })
  tab1.destroy()
  tab2.destroy()
  return lacks.length === 0 ? 0 : 1
}

main().then(code => {
  for (let p of procs) p.kill('SIGKILL')
  process.exit(code)
}, e => {
  emit('error', { message: String(e && e.stack || e) })
  for (let p of procs) p.kill('SIGKILL')
  process.exit(2)
})
