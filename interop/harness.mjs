// Spawn peer.mjs processes and talk to them: send commands, wait for events.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

const PEER = new URL('./peer.mjs', import.meta.url).pathname

export function spawnPeer(args, { name = args[0], onEvent } = {}) {
  let child = spawn(process.execPath, [PEER, ...args], {
    stdio: ['pipe', 'pipe', 'inherit']
  })
  let events = []
  let waiters = []
  createInterface({ input: child.stdout }).on('line', line => {
    let event = JSON.parse(line)
    events.push(event)
    if (onEvent) onEvent(event, name)
    waiters = waiters.filter(w => {
      if (w.index <= events.length - 1 && w.test(event)) {
        clearTimeout(w.timer)
        w.resolve(event)
        return false
      }
      return true
    })
  })
  let exited = new Promise(resolve => child.on('exit', resolve))
  return {
    child,
    events,
    exited,
    send(cmd) {
      child.stdin.write(JSON.stringify(cmd) + '\n')
    },
    // Resolves with the first event matching test that arrives from now on
    // (or, with since, from that index of events on).
    waitFor(test, { since = events.length, timeout = 10000 } = {}) {
      let old = events.slice(since).find(test)
      if (old) return Promise.resolve(old)
      return new Promise((resolve, reject) => {
        let w = { index: since, resolve, test }
        w.timer = setTimeout(() => {
          waiters = waiters.filter(x => x !== w)
          reject(new Error(`${name}: timeout waiting for ${test}`))
        }, timeout)
        waiters.push(w)
      })
    },
    async stop() {
      if (child.exitCode === null) child.stdin.end()
      await exited
    }
  }
}

export async function startPair(serverArgs = [], clientArgs = [], hooks = {}) {
  let server = spawnPeer(['server', '--node-id', 'server', '--trace', ...serverArgs], {
    name: 'server',
    ...hooks
  })
  let ready = await server.waitFor(e => e.event === 'ready', { since: 0 })
  let url = `ws://127.0.0.1:${ready.port}`
  let client = spawnPeer(
    ['client', '--url', url, '--node-id', 'client', '--trace', ...clientArgs],
    { name: 'client', ...hooks }
  )
  return { client, server, url }
}
