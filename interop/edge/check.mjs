// Checks of the edge scenario scripts themselves, JS against JS (no logmesh):
// - each scenario passes against fake-node.mjs (a stock @logux/server with the
//   scenario contract), and fails where it must (a stock @logux/core
//   ServerNode, the node's role today, fails the client scenario at "headers";
//   a wrong --unaddressed expectation fails the users scenario);
// - the real @logux/server of logux-server.mjs processes the actions of a
//   stock ClientNode that behaves as a node must (own ids, meta id/time
//   only), denies what the issue says it denies, and delivers its
//   server/hello to the node.
// Run: node --test edge/check.mjs   (the browser test needs Chromium, else skipped)
import { ClientNode, Log, MemoryStore, WsConnection } from '@logux/core'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import WebSocket from 'ws'

import { findChromium } from './cdp.mjs'

const DIR = new URL('.', import.meta.url).pathname

// A child process printing JSON lines: collected, awaited.
function start(script, args = []) {
  let child = spawn(process.execPath, [DIR + script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let lines = []
  let waiters = []
  let stderr = ''
  child.stderr.on('data', d => {
    stderr += d
  })
  createInterface({ input: child.stdout }).on('line', line => {
    let obj
    try {
      obj = JSON.parse(line)
    } catch {
      obj = { raw: line }
    }
    lines.push(obj)
    waiters = waiters.filter(w => (w.test(obj) ? (w.resolve(obj), false) : true))
  })
  let exited = new Promise(resolve => child.on('exit', code => resolve(code)))
  return {
    child,
    exited,
    lines,
    stderr: () => stderr,
    send: cmd => child.stdin.write(JSON.stringify(cmd) + '\n'),
    async stop() {
      child.stdin.end()
      let timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
    waitFor(testFn, ms = 10000) {
      let old = lines.find(testFn)
      if (old) return Promise.resolve(old)
      return new Promise((resolve, reject) => {
        let w = { resolve, test: testFn }
        waiters.push(w)
        setTimeout(() => reject(new Error(`${script}: no line matching ${testFn} in ${ms} ms; ${JSON.stringify(lines)} ${stderr}`)), ms)
      })
    }
  }
}

async function scenario(script, args) {
  let p = start(script, args)
  let code = await p.exited
  return { code, failed: p.lines.filter(l => l.ok === false && l.step !== 'done'), lines: p.lines }
}

async function withFake(args, fn) {
  let fake = start('fake-node.mjs', args)
  try {
    let { url } = await fake.waitFor(l => l.event === 'listening')
    await fn(url)
  } finally {
    await fake.stop()
  }
}

test('client scenario passes against a Logux-server-like node', async () => {
  await withFake([], async url => {
    let r = await scenario('client-node.mjs', ['--url', url])
    assert.deepEqual(r.failed, [])
    assert.equal(r.code, 0)
    assert.equal(r.lines.at(-1).step, 'done')
    assert.ok(r.lines.at(-1).passed >= 17)
  })
})

test('client scenario fails at "headers" against a stock @logux/core ServerNode', async () => {
  let server = start('../peer.mjs', ['server', '--node-id', 'server'])
  try {
    let { port } = await server.waitFor(l => l.event === 'ready')
    let r = await scenario('client-node.mjs', ['--url', `ws://127.0.0.1:${port}`, '--timeout', '1500'])
    assert.equal(r.code, 1)
    let failedSteps = r.failed.map(l => l.step)
    assert.ok(failedSteps.includes('headers'), JSON.stringify(failedSteps))
    assert.ok(failedSteps.includes('stays-synchronized'), JSON.stringify(failedSteps))
  } finally {
    await server.stop()
  }
})

test('users scenario passes with tokens, and detects a wrong unaddressed policy', async () => {
  let tokens = JSON.stringify({ alice: 'ta', bob: 'tb', mallory: 'tm' })
  await withFake(['--unaddressed', 'none', '--tokens', tokens], async url => {
    let r = await scenario('two-users.mjs', ['--url', url, '--tokens', tokens])
    assert.deepEqual(r.failed, [])
    assert.equal(r.code, 0)
    let wrong = await scenario('two-users.mjs', ['--url', url, '--tokens', tokens, '--unaddressed', 'all'])
    assert.equal(wrong.code, 1)
    assert.deepEqual(wrong.failed.map(l => l.step), ['unaddressed'])
    let noToken = await scenario('two-users.mjs', ['--url', url, '--timeout', '1500'])
    assert.equal(noToken.code, 1)
    assert.equal(noToken.failed[0].step, 'start')
  })
  await withFake(['--unaddressed', 'all'], async url => {
    let r = await scenario('two-users.mjs', ['--url', url, '--unaddressed', 'all'])
    assert.deepEqual(r.failed, [])
  })
})

test('browser bundle builds', async () => {
  let r = await scenario('browser.mjs', ['--bundle-only'])
  assert.equal(r.code, 0)
  assert.ok(r.lines[0].bytes > 10000)
})

const chromium = findChromium()
test('browser scenario: CrossTabClient in headless Chromium', { skip: existsSync(chromium) ? false : `no Chromium at ${chromium}` }, async () => {
  await withFake([], async url => {
    let r = await scenario('browser.mjs', ['--url', url])
    assert.deepEqual(r.failed, [])
    let steps = r.lines.map(l => l.step)
    for (let s of ['bundle', 'serve', 'browser', 'load', 'start', 'headers', 'sync', 'pong', 'no-echo', 'meta', 'log-clean', 'page']) {
      assert.ok(steps.includes(s), `missing step ${s}: ${steps}`)
    }
    assert.equal(r.code, 0)
  })
})

// A stock ClientNode playing a logmesh node that dials @logux/server.
function dialer(url, nodeId, { subprotocol = 1, strip = true, token } = {}) {
  let log = new Log({ nodeId, store: new MemoryStore() })
  let received = []
  let errors = []
  log.on('add', (action, meta) => {
    if (!meta.id.includes(` ${nodeId} `)) received.push({ action, id: meta.id })
  })
  let onSend = strip
    ? (action, meta) => [action, { id: meta.id, time: meta.time, ...(meta.subprotocol ? { subprotocol: meta.subprotocol } : {}) }]
    : undefined
  let node = new ClientNode(nodeId, log, new WsConnection(url, WebSocket), { onSend, subprotocol, token })
  node.catch(e => errors.push(e))
  node.connection.connect()
  return { errors, log, node, received }
}

async function eventually(fn, ms = 5000) {
  let start = Date.now()
  for (;;) {
    try {
      return fn()
    } catch (e) {
      if (Date.now() - start > ms) throw e
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }
}

test('real @logux/server: a node\'s own actions are processed, server/hello arrives', async () => {
  let server = start('logux-server.mjs', ['--tokens', JSON.stringify({ alice: 'secret' })])
  try {
    let listening = await server.waitFor(l => l.event === 'listening')
    assert.equal(listening.loguxServer, '0.14.0')
    let d = dialer(listening.url, 'alice:Xk3v9QaB', { token: 'secret' })
    await server.waitFor(l => l.event === 'authenticated' && l.nodeId === 'alice:Xk3v9QaB')
    let hello = await eventually(() => {
      let h = d.received.find(e => e.action.type === 'server/hello')
      assert.ok(h, 'server/hello')
      return h
    })
    assert.equal(hello.action.to, 'alice:Xk3v9QaB')

    let own = await d.log.add({ text: 'from the node', type: 'mesh/item' }, { reasons: ['mesh'] })
    await server.waitFor(l => l.event === 'processed' && l.id === own.id)
    await eventually(() => assert.ok(d.received.find(e => e.action.type === 'logux/processed' && e.action.id === own.id)))
    let action = server.lines.find(l => l.event === 'action' && l.meta.id === own.id)
    assert.deepEqual(Object.keys(action.meta).sort(), ['id', 'reasons', 'server', 'status', 'subprotocol', 'time'])

    // A relayed action (another node's id): denied, even with clean meta.
    let relayedId = `${Date.now()} bob:Yy7Rr2Qq 0`
    await d.log.add({ type: 'mesh/item' }, { id: relayedId, reasons: ['mesh'] })
    await server.waitFor(l => l.event === 'denied' && l.actionId === relayedId)
    await eventually(() => assert.ok(d.received.find(e => e.action.type === 'logux/undo' && e.action.id === relayedId && e.action.reason === 'denied')))

    // A server action addressed to the node by its client id, live.
    server.send({ action: { type: 'server/note' }, cmd: 'add', meta: { clients: ['alice:Xk3v9QaB'] } })
    await eventually(() => assert.ok(d.received.find(e => e.action.type === 'server/note')))
    d.node.destroy()
  } finally {
    await server.stop()
  }
})

test('real @logux/server: meta with reasons is denied, no subprotocol is refused, a wrong token too', async () => {
  let server = start('logux-server.mjs', ['--token', 'secret'])
  try {
    let { url } = await server.waitFor(l => l.event === 'listening')
    let raw = dialer(url, 'carol:Zz9Ww8Vv', { strip: false, token: 'secret' })
    await server.waitFor(l => l.event === 'authenticated' && l.nodeId === 'carol:Zz9Ww8Vv')
    let meta = await raw.log.add({ type: 'mesh/item' }, { reasons: ['mesh'] })
    await server.waitFor(l => l.event === 'denied' && l.actionId === meta.id)
    raw.node.destroy()

    let old = dialer(url, 'dave:Aa1Bb2Cc', { subprotocol: 0, token: 'secret' }) // 0: not sent
    let refused = await server.waitFor(l => l.event === 'clientError' && l.type === 'wrong-subprotocol')
    assert.deepEqual(refused.options, { supported: 1, used: 0 })
    await eventually(() => assert.ok(old.errors.find(e => e.type === 'wrong-subprotocol')))
    old.node.destroy()

    let bad = dialer(url, 'erin:Dd3Ee4Ff', { token: 'nope' })
    await server.waitFor(l => l.event === 'unauthenticated' && l.nodeId === 'erin:Dd3Ee4Ff')
    await eventually(() => assert.ok(bad.errors.find(e => e.type === 'wrong-credentials')))
    bad.node.destroy()
  } finally {
    await server.stop()
  }
})
