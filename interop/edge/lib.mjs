// Node.js side of the edge scenarios' helpers: the WebSocket polyfill, options,
// steps printed as JSON lines on stdout. The rest is in common.mjs.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

import { Steps } from './common.mjs'

export * from './common.mjs'

// Node 20 has no global WebSocket; @logux/client's WsConnection uses the global.
if (typeof globalThis.WebSocket === 'undefined') globalThis.WebSocket = WebSocket

export function emit(line) {
  process.stdout.write(JSON.stringify(line) + '\n')
}

// A stock exception of @logux code must not kill the scenario silently: it is
// reported as a step failure of its own ("uncaught") and the run fails.
export function catchStray(steps) {
  process.on('uncaughtException', err => steps.fail('uncaught', err))
  process.on('unhandledRejection', err => steps.fail('unhandled', err))
}

// Calls onEvent with each JSON line a child process prints on stdout (a `logmesh node --json`'s events), parsed;
// lines that are not JSON are skipped.
export function jsonLines(stream, onEvent) {
  let buf = ''
  stream.on('data', d => {
    buf += d
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      let line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      let e
      try {
        e = JSON.parse(line)
      } catch {
        continue
      }
      onEvent(e)
    }
  })
}

// With --help or -h among the arguments: prints the leading // comment of the script at metaUrl (its usage) and
// exits 0. Before (session 38), such a script threw ERR_PARSE_ARGS_UNKNOWN_OPTION for --help.
export function helpFromHeader(metaUrl) {
  if (!process.argv.slice(2).some(a => a === '--help' || a === '-h')) return
  let lines = readFileSync(new URL(metaUrl), 'utf8').split('\n')
  let end = lines.findIndex(l => !l.startsWith('//'))
  process.stdout.write(lines.slice(0, end < 0 ? lines.length : end).map(l => l.replace(/^\/\/ ?/, '')).join('\n') + '\n')
  process.exit(0)
}

export function options(spec, usage) {
  let { values } = parseArgs({
    allowPositionals: false,
    options: {
      settle: { default: '300', type: 'string' },
      timeout: { default: '5000', type: 'string' },
      token: { type: 'string' },
      url: { type: 'string' },
      ...spec
    }
  })
  if (!values.url && !spec.url) {
    process.stderr.write(usage + '\n')
    process.exit(2)
  }
  values.timeout = Number(values.timeout)
  values.settle = Number(values.settle)
  return values
}

// Steps printed on stdout; the exit code says whether all passed.
export function steps(scenario, timeout) {
  let s = new Steps(scenario, timeout, emit, ok => {
    process.exitCode = ok ? 0 : 1
  })
  catchStray(s)
  return s
}
