// JS-against-JS checks of the harness; writes the observed sessions to
// traces/<scenario>.ndjson (every event of every process, tagged with "from").
// Run: node --test scenarios.mjs
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { test } from 'node:test'

import { spawnPeer, startPair } from './harness.mjs'

const TRACES = new URL('./traces/', import.meta.url).pathname
mkdirSync(TRACES, { recursive: true })

function recorder() {
  let lines = []
  return {
    onEvent: (event, from) => lines.push(JSON.stringify({ from, ...event })),
    save: name => writeFileSync(`${TRACES}${name}.ndjson`, lines.join('\n') + '\n')
  }
}

const isWire = (dir, type) => e =>
  e.event === 'wire' && e.dir === dir && e.msg && e.msg[0] === type
const added = type => e => e.event === 'add' && e.action.type === type

test('session: handshake, id forms, relay, ping/pong, reconnects', async () => {
  let rec = recorder()
  let { client, server, url } = await startPair(
    [],
    ['--ping', '300', '--timeout', '1000', '--min-delay', '200', '--max-delay', '400'],
    rec
  )
  try {
    await session(client, server, url)
  } finally {
    await client.stop()
    await server.stop()
    rec.save('session')
  }
})

async function session(client, server, url) {  // Preloaded on the server before the client connects: three adds in a row.
  for (let n = 1; n <= 3; n++) server.send({ cmd: 'add', action: { n, type: 'pre/server' } })
  await server.waitFor(added('pre/server'), { since: 0 })
  await client.waitFor(e => e.event === 'state' && e.state === 'synchronized', { since: 0 })
  await client.waitFor(e => e.event === 'add' && e.action.n === 3, { since: 0 })

  // Live in both directions, with custom meta.
  client.send({ action: { type: 'live/client' }, cmd: 'add', meta: { custom: 42 } })
  await server.waitFor(added('live/client'), { since: 0 })
  server.send({ action: { type: 'live/server' }, cmd: 'add' })
  await client.waitFor(added('live/client'), { since: 0 })
  await client.waitFor(added('live/server'), { since: 0 })

  // A third node's action is relayed by the server with its full id.
  let other = spawnPeer(['client', '--url', url, '--node-id', 'other'], { name: 'other' })
  await other.waitFor(e => e.event === 'state' && e.state === 'synchronized', { since: 0 })
  other.send({ action: { type: 'from/other' }, cmd: 'add' })
  let relayed = await client.waitFor(isWire('in', 'sync'), { since: 0, timeout: 5000 })
  await client.waitFor(added('from/other'), { since: 0 })
  await other.stop()
  assert.ok(relayed)

  // Idle: the client pings after 300 ms of silence, the server answers.
  let idle = client.events.length
  await client.waitFor(isWire('out', 'ping'), { since: idle, timeout: 2000 })
  await client.waitFor(isWire('in', 'pong'), { since: idle, timeout: 2000 })

  // Actions added while disconnected travel on the next connect.
  let mark = client.events.length
  client.send({ cmd: 'disconnect' })
  await client.waitFor(e => e.event === 'disconnect', { since: mark })
  client.send({ action: { type: 'offline/client' }, cmd: 'add' })
  server.send({ action: { type: 'offline/server' }, cmd: 'add' })
  await server.waitFor(added('offline/server'), { since: 0 })
  client.send({ cmd: 'connect' })
  await client.waitFor(added('offline/server'), { since: mark })
  await server.waitFor(added('offline/client'), { since: 0 })
  let resent = client.events.slice(mark).filter(isWire('in', 'sync'))
  let sent = client.events.slice(mark).filter(isWire('out', 'sync'))
  assert.equal(resent.length, 1)
  assert.equal((resent[0].msg.length - 2) / 2, 1, 'server resends only the new action')
  // The stock client catches up from its own lastSent (the last of ITS
  // actions the server acknowledged): everything added to its log later is
  // sent, including what it had received from the server meanwhile.
  assert.equal(sent.length, 1)
  let types = sent[0].msg.slice(2).filter((x, i) => i % 2 === 0).map(a => a.type)
  assert.deepEqual(types, ['live/server', 'from/other', 'offline/client'])

  // Killed socket: Reconnect comes back by itself.
  mark = client.events.length
  server.send({ cmd: 'drop' })
  await client.waitFor(e => e.event === 'disconnect', { since: mark })
  await client.waitFor(e => e.event === 'connect', { since: mark, timeout: 5000 })
  let marks = [client.events.length, server.events.length]
  client.send({ cmd: 'log' })
  server.send({ cmd: 'log' })
  let clientLog = await client.waitFor(e => e.event === 'log', { since: marks[0] })
  let serverLog = await server.waitFor(e => e.event === 'log', { since: marks[1] })
  let ids = entries => entries.map(e => e.meta.id).sort()
  assert.equal(clientLog.entries.length, 8)
  assert.deepEqual(ids(clientLog.entries), ids(serverLog.entries))
}

// Sends junk to a stock node and records what it answers.
async function junk(name, target, frames) {
  let rec = recorder()
  let { client, server } = await startPair([], ['--min-delay', '60000'], rec)
  await client.waitFor(e => e.event === 'state' && e.state === 'synchronized', { since: 0 })
  let sender = target === 'server' ? client : server
  let victim = target === 'server' ? server : client
  let mark = victim.events.length
  for (let frame of frames) sender.send(frame)
  await client.waitFor(e => e.event === 'disconnect', { since: 0, timeout: 3000 }).catch(() => null)
  // Let a possible answer or close arrive; the close is the normal outcome.
  await new Promise(resolve => setTimeout(resolve, 300))
  let seen = victim.events.slice(mark)
  let answer = sender.events.filter(e => e.event === 'wire' && e.dir === 'in' && e.msg?.[0] === 'error')
  let disconnected = client.events.some(e => e.event === 'disconnect')
  await client.stop()
  await server.stop()
  rec.save(name)
  return { answer, disconnected, seen }
}

test('server gets an unknown message', async () => {
  let r = await junk('server-unknown-message', 'server', [{ cmd: 'send', msg: ['hello', 1] }])
  assert.deepEqual(r.answer[0].msg, ['error', 'unknown-message', 'hello'])
  assert.ok(r.disconnected)
})

test('server gets malformed JSON', async () => {
  let r = await junk('server-malformed-json', 'server', [{ cmd: 'raw', data: '["sync",1,' }])
  assert.deepEqual(r.answer[0].msg, ['error', 'wrong-format', '["sync",1,'])
  assert.ok(r.disconnected)
})

test('server gets a binary frame holding JSON', async () => {
  let r = await junk('server-binary-frame', 'server', [
    { binary: true, cmd: 'raw', data: '["ping",0]' }
  ])
  // ws hands a Buffer to JSON.parse, which stringifies it: it is read as text.
  assert.deepEqual(r.answer.map(e => e.msg), [])
  assert.ok(r.seen.some(e => e.event === 'wire' && e.msg?.[0] === 'ping'))
})

test('server gets a binary frame that is not JSON', async () => {
  let r = await junk('server-binary-garbage', 'server', [
    { binary: true, cmd: 'raw', data: 'c\u0005\u0001x' }
  ])
  assert.equal(r.answer[0].msg[1], 'wrong-format')
  assert.ok(r.disconnected)
})

test('server gets a bad sync shape (protocol 7 id)', async () => {
  let r = await junk('server-wrong-shape', 'server', [
    { cmd: 'send', msg: ['sync', 1, { type: 'a' }, { id: 'P74cGLO', time: 0 }] }
  ])
  assert.equal(r.answer[0].msg[1], 'wrong-format')
  assert.ok(r.disconnected)
})

test('client gets an unknown message', async () => {
  let r = await junk('client-unknown-message', 'client', [{ cmd: 'send', msg: ['hello', 1] }])
  assert.deepEqual(r.answer, [])
  assert.ok(r.seen.some(e => e.event === 'error' && e.source === 'uncaught'))
})

test('client gets malformed JSON', async () => {
  let r = await junk('client-malformed-json', 'client', [{ cmd: 'raw', data: '{oops' }])
  assert.deepEqual(r.answer[0].msg, ['error', 'wrong-format', '{oops'])
  assert.ok(r.disconnected)
})

test('reconnect delays after the server goes away', async () => {
  let rec = recorder()
  let { client, server } = await startPair([], [], rec)
  await client.waitFor(e => e.event === 'state' && e.state === 'synchronized', { since: 0 })
  server.child.kill('SIGKILL')
  let down = await client.waitFor(e => e.event === 'disconnect', { since: 0 })
  let attempts = []
  let last = down.t
  let cursor = client.events.indexOf(down) + 1
  let next = async type => {
    let e = await client.waitFor(x => x.event === type, { since: cursor, timeout: 8000 })
    cursor = client.events.indexOf(e) + 1
    return e
  }
  for (let i = 0; i < 5; i++) {
    attempts.push((await next('connecting')).t - last)
    // The failed attempt ends with its own disconnect.
    last = (await next('disconnect')).t
  }
  await client.stop()
  rec.save('reconnect-delays')
  writeFileSync(`${TRACES}reconnect-delays.json`, JSON.stringify({ delaysMs: attempts }) + '\n')
  assert.ok(attempts[0] >= 900 && attempts[0] <= 1500, `first ${attempts[0]}`)
  assert.ok(attempts.slice(2).every(d => d <= 5100), attempts.join(','))
})
