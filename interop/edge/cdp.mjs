// The smallest Chromium driver that does the job: the Chrome DevTools
// Protocol over --remote-debugging-pipe (fd 3: commands to the browser, fd 4:
// answers and events, each JSON message ended by a NUL byte). No port, no
// download, no dependency: it drives Debian's /usr/bin/chromium.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function findChromium() {
  return process.env.CHROMIUM || '/usr/bin/chromium'
}

// headless: false shows windows (on $DISPLAY, e.g. Xvfb for a screenshot);
// url: what the first window opens (null: none, e.g. with --app=URL in args).
export async function launch({ executable = findChromium(), args = [], headless = true, url = 'about:blank' } = {}) {
  let profile = mkdtempSync(join(tmpdir(), 'logmesh-chromium-'))
  let child = spawn(
    executable,
    [
      ...(headless ? ['--headless'] : []),
      '--no-sandbox', // tests run as root
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      ...args,
      ...(url ? [url] : [])
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] }
  )
  let stderr = ''
  child.stderr.on('data', d => {
    stderr = (stderr + d).slice(-4000)
  })
  let toBrowser = child.stdio[3]
  let fromBrowser = child.stdio[4]
  let lastId = 0
  let pending = new Map()
  let listeners = new Set()
  let buffer = Buffer.alloc(0)
  let exited = new Promise(resolve => child.on('exit', (code, signal) => resolve({ code, signal })))
  exited.then(() => {
    for (let { reject } of pending.values()) reject(new Error(`chromium exited: ${stderr.trim().split('\n').pop()}`))
    pending.clear()
  })
  child.on('error', err => {
    for (let { reject } of pending.values()) reject(err)
    pending.clear()
  })

  fromBrowser.on('data', chunk => {
    buffer = Buffer.concat([buffer, chunk])
    let end
    while ((end = buffer.indexOf(0)) >= 0) {
      let msg = JSON.parse(buffer.subarray(0, end).toString('utf8'))
      buffer = buffer.subarray(end + 1)
      if (msg.id !== undefined) {
        let p = pending.get(msg.id)
        pending.delete(msg.id)
        if (p) {
          if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`))
          else p.resolve(msg.result)
        }
      } else {
        for (let l of listeners) l(msg)
      }
    }
  })

  function send(method, params = {}, sessionId) {
    let id = ++lastId
    let msg = { id, method, params }
    if (sessionId) msg.sessionId = sessionId
    return new Promise((resolve, reject) => {
      pending.set(id, { method, reject, resolve })
      toBrowser.write(JSON.stringify(msg) + '\0')
    })
  }

  return {
    child,
    exited,
    // Opens a page (or attaches to an open one, by its target id) in a flat session: a small handle.
    async page(existing) {
      let targetId = existing || (await send('Target.createTarget', { url: 'about:blank' })).targetId
      let { sessionId } = await send('Target.attachToTarget', { flatten: true, targetId })
      return {
        on(method, fn) {
          let l = msg => {
            if (msg.sessionId === sessionId && msg.method === method) fn(msg.params)
          }
          listeners.add(l)
          return () => listeners.delete(l)
        },
        send: (method, params) => send(method, params, sessionId),
        sessionId,
        targetId
      }
    },
    send,
    stderr: () => stderr,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        send('Browser.close').catch(() => {})
        let timer = setTimeout(() => child.kill('SIGKILL'), 3000)
        await exited
        clearTimeout(timer)
      }
      rmSync(profile, { force: true, recursive: true })
    }
  }
}
