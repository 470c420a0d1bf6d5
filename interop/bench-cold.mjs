// Driver of scripts/bench-cold: times processes from spawn, both sides interleaved in one run.
//
//   node bench-cold.mjs --runs 5 --n 100000 --cli-n 50000
//
// Commands come from the environment (set by scripts/bench-cold), each a JSON array [cmd, ...args]:
//   LM_READY    logmesh node (memory store), prints {"event":"ready",...} when listening
//   LM_SERVE    logmesh node A: `... --n N`, prints {"event":"ready","url":...} when it holds N
//   LM_COLD     logmesh embedded dialer: `... URL N`, prints one line when its log holds N
//   LM_CLI      logmesh CLI dialer: `... URL` (appended as --peer URL), prints every action as a JSON line
// The @logux/core side is run from this directory: peer.mjs server (ready), bench.mjs serve/bulk, peer.mjs
// client (prints every action as a JSON line).
// Prints one JSON object: every sample and the medians.
import { spawn, spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    'cli-n': { default: '50000', type: 'string' },
    n: { default: '100000', type: 'string' },
    runs: { default: '5', type: 'string' }
  }
})
const RUNS = Number(opts.runs)
const N = Number(opts.n)
const CLI_N = Number(opts['cli-n'])
const HERE = new URL('.', import.meta.url).pathname
const env = name => JSON.parse(process.env[name])
const NODE = process.execPath

// Spawns [cmd, ...args]; resolves with { ms, proc } at the first stdout line for which until(line) is true
// (ms from just before spawn). Lines are scanned as bytes: a CLI dialer prints 50k lines quickly.
function timed(argv, until, { cwd = HERE, timeoutMs = 300000 } = {}) {
  return new Promise((resolve, reject) => {
    let t0 = performance.now()
    let proc = spawn(argv[0], argv.slice(1), { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    let err = ''
    proc.stderr.on('data', d => {
      err = (err + d).slice(-4000)
    })
    let carry = ''
    let done = false
    let timer = setTimeout(() => finish(new Error(`timeout: ${argv.join(' ')}\n${err}`)), timeoutMs)
    function finish(e, ms) {
      if (done) return
      done = true
      clearTimeout(timer)
      if (e) {
        proc.kill('SIGKILL')
        reject(e)
      } else {
        resolve({ ms, proc })
      }
    }
    proc.stdout.on('data', chunk => {
      if (done) return
      let text = carry + chunk.toString('utf8')
      let start = 0
      let nl
      while ((nl = text.indexOf('\n', start)) >= 0) {
        if (until(text, start, nl)) {
          finish(null, performance.now() - t0)
          return
        }
        start = nl + 1
      }
      carry = text.slice(start)
    })
    proc.on('close', code => finish(new Error(`exited ${code} early: ${argv.join(' ')}\n${err}`)))
  })
}

// Stops a process and waits for it to exit (so its shutdown does not load the next measurement).
// The untimed first runs get longer (a JVM can take long to exit on a loaded machine).
let stopWaitMs = 120000
function stop(proc) {
  return new Promise(resolve => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
    let kill = setTimeout(() => proc.kill('SIGKILL'), stopWaitMs)
    proc.removeAllListeners('close')
    proc.on('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    proc.stdin.end()
    proc.kill('SIGTERM')
  })
}

const isReady = (text, start, end) => text.slice(start, end).includes('"event":"ready"')
const anyLine = () => true

// Counts lines that are add events; true at the n-th.
function countAdds(n) {
  let count = 0
  return (text, start) => {
    if (text.startsWith('{"event":"add"', start)) count += 1
    return count >= n
  }
}

// A long-running server; resolves with { url, proc }.
async function server(argv, cwd = HERE) {
  let line = null
  let { proc } = await timed(argv, (text, start, end) => {
    line = JSON.parse(text.slice(start, end))
    return true
  }, { cwd })
  proc.removeAllListeners('close')
  proc.stdout.resume()
  let url = line.url || `ws://127.0.0.1:${line.port}`
  return { proc, url }
}

const median = xs => {
  let s = [...xs].sort((a, b) => a - b)
  let m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const lm = { cli: env('LM_CLI'), cold: env('LM_COLD'), ready: env('LM_READY'), serve: env('LM_SERVE') }
const js = {
  bulk: url => [NODE, 'bench.mjs', 'bulk', '--url', url, '--n', String(N), '--rounds', '1'],
  client: url => [NODE, 'peer.mjs', 'client', '--url', url, '--node-id', 'cold-client'],
  ready: [NODE, 'peer.mjs', 'server', '--node-id', 'cold-ready'],
  serve: n => [NODE, 'bench.mjs', 'serve', '--n', String(n), '--chunk', '1000']
}

const servers = []
const log = s => process.stderr.write(`bench-cold: ${s}\n`)
try {
  log(`servers: ${N}, ${CLI_N} and 1 action(s) on each side...`)
  let lmN = await server([...lm.serve, '--n', String(N)])
  let lmCli = await server([...lm.serve, '--n', String(CLI_N)])
  let lmOne = await server([...lm.serve, '--n', '1'])
  let jsN = await server(js.serve(N))
  let jsCli = await server(js.serve(CLI_N))
  let jsOne = await server(js.serve(1))
  servers.push(lmN, lmCli, lmOne, jsN, jsCli, jsOne)

  const cases = {
    'lm.ready': async () => {
      let r = await timed(lm.ready, isReady)
      await stop(r.proc)
      return r.ms
    },
    'js.ready': async () => {
      let r = await timed(js.ready, isReady)
      await stop(r.proc)
      return r.ms
    },
    'lm.cold': async () => {
      let r = await timed([...lm.cold, lmN.url, String(N)], anyLine)
      await stop(r.proc)
      return r.ms
    },
    'js.cold': async () => {
      let r = await timed(js.bulk(jsN.url), anyLine)
      await stop(r.proc)
      return r.ms
    },
    'lm.cli': async () => {
      let r = await timed([...lm.cli, '--peer', lmCli.url], countAdds(CLI_N))
      await stop(r.proc)
      return r.ms
    },
    'lm.cli1': async () => {
      let r = await timed([...lm.cli, '--peer', lmOne.url], countAdds(1))
      await stop(r.proc)
      return r.ms
    },
    'js.cli': async () => {
      let r = await timed(js.client(jsCli.url), countAdds(CLI_N))
      await stop(r.proc)
      return r.ms
    },
    'js.cli1': async () => {
      let r = await timed(js.client(jsOne.url), countAdds(1))
      await stop(r.proc)
      return r.ms
    }
  }
  // one untimed run of each first: files in the page cache, archives made at first run (as after an install)
  log('first runs (not counted)...')
  // The launcher's archive is made by the first `node` run: TRAIN=catch-up (default) lets the CLI catch-up go
  // first, so the archive (and on JDK 25 the method profiles) covers the catch-up path, not only start-up
  let first = Object.keys(cases)
  if ((process.env.TRAIN || 'catch-up') === 'catch-up') first = ['lm.cli', ...first.filter(k => k !== 'lm.cli')]
  for (let k of first) await cases[k]()
  // the launchers make their archives after the first runs, in the background: wait for them (LM_SETTLE)
  if (process.env.LM_SETTLE) {
    let [cmd, ...args] = JSON.parse(process.env.LM_SETTLE)
    spawnSync(cmd, args, { stdio: 'ignore' })
  }
  stopWaitMs = 5000
  let samples = Object.fromEntries(Object.keys(cases).map(k => [k, []]))
  for (let i = 0; i < RUNS; i++) {
    log(`run ${i + 1}/${RUNS}`)
    // interleaved, the two sides of each row one after the other, so both meet the same load
    for (let [k, fn] of Object.entries(cases)) samples[k].push(Math.round(await fn()))
  }
  let med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
  process.stdout.write(JSON.stringify({ cliN: CLI_N, median: med, n: N, runs: RUNS, samples }) + '\n')
} finally {
  for (let s of servers) await stop(s.proc)
}
process.exit(0)
