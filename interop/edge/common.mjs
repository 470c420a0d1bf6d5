// Browser-safe helpers of the edge scenarios (no Node.js imports): step
// reporting, waiting, reading a client's wire traffic.
import { parseId } from '@logux/core'

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

function describe(err) {
  if (!err) return 'failed'
  if (err.name === 'LoguxUndoError') return `undone: ${JSON.stringify(err.action)}`
  return err.message || String(err)
}

// Runs named steps in order. Each prints
//   {"scenario":S,"step":NAME,"ok":true,"ms":N, ...what the step returned}
// or {"scenario":S,"step":NAME,"ok":false,"ms":N,"error":"..."}.
// After a failed step the following ones still run (each reports on its own),
// unless the failed step was marked `required`.
// The last line is {"scenario":S,"step":"done","ok":bool,"passed":N,"failed":N}.
export class Steps {
  constructor(scenario, timeout, emit, onDone = ok => {}) {
    this.emit = emit
    this.onDone = onDone
    this.scenario = scenario
    this.timeout = timeout
    this.passed = 0
    this.failed = 0
    this.stopped = false
  }

  async run(name, fn, { required = false, timeout = this.timeout } = {}) {
    if (this.stopped) {
      this.emit({ error: 'skipped after a required step failed', ms: 0, ok: false, scenario: this.scenario, step: name })
      this.failed += 1
      return undefined
    }
    let start = Date.now()
    let timer
    try {
      let result = await Promise.race([
        Promise.resolve().then(fn),
        new Promise((resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`timeout after ${timeout} ms`)), timeout)
        })
      ])
      clearTimeout(timer)
      let data = result && typeof result === 'object' && !Array.isArray(result) ? result : {}
      this.emit({ ...data, ms: Date.now() - start, ok: true, scenario: this.scenario, step: name })
      this.passed += 1
      return result
    } catch (err) {
      clearTimeout(timer)
      this.emit({ error: describe(err), ms: Date.now() - start, ok: false, scenario: this.scenario, step: name })
      this.failed += 1
      if (required) this.stopped = true
      return undefined
    }
  }

  fail(name, err) {
    this.emit({ error: describe(err), ms: 0, ok: false, scenario: this.scenario, step: name })
    this.failed += 1
  }

  done(extra = {}) {
    let ok = this.failed === 0
    this.emit({ failed: this.failed, ok, passed: this.passed, scenario: this.scenario, step: 'done', ...extra })
    this.onDone(ok)
    return ok
  }
}

export function check(condition, message) {
  if (!condition) throw new Error(message)
}

// Resolves once test() is true, re-checking on every call of poke() and every 20 ms.
export function until(test, what = 'condition') {
  return new Promise((resolve, reject) => {
    let tick = () => {
      let value
      try {
        value = test()
      } catch (e) {
        clearInterval(timer)
        reject(e)
        return
      }
      if (value) {
        clearInterval(timer)
        resolve(value)
      }
    }
    let timer = setInterval(tick, 20)
    tick()
  }).catch(e => {
    throw new Error(`${what}: ${e.message}`)
  })
}

// Errors a node received or raised (wrong-credentials, wrong-subprotocol, ...):
// caught, so that a scenario reports them as a failed step instead of crashing.
export function catchErrors(node) {
  let errors = []
  node.catch(err => errors.push(err.type ? `${err.type}${err.options ? ' ' + JSON.stringify(err.options) : ''}` : String(err)))
  return errors
}

// Resolves when every node is synchronized; throws at once with the error a
// node got (e.g. wrong-credentials).
export function synchronized(nodes, errors) {
  return until(() => {
    let bad = errors.flat()
    if (bad.length > 0) throw new Error(`node error: ${bad.join(', ')}`)
    return nodes.every(n => n.state === 'synchronized')
  }, 'synchronized')
}

// The node id inside a protocol 5 wire id: a number or [shift, seq] is the
// sender's own id; [shift, node, seq] names the node.
export function wireIdNode(id, sender) {
  return Array.isArray(id) && id.length === 3 ? id[1] : sender
}

// Records what a @logux/client (or a ClientNode) receives and sends on the
// wire: every entry of every incoming `sync`, the `headers`, every outgoing
// message. Installed before start(), it sees the whole session, reconnects too.
export function wire(node) {
  let w = { headers: [], incoming: [], log: [], outgoing: [], raw: [] }
  // The node's own listener changes meta in place (ids, reasons), so the
  // message is copied as it left the socket, before any listener runs.
  let conn = node.connection.connection || node.connection // Reconnect or a bare connection
  let emit = conn.emitter.emit.bind(conn.emitter)
  conn.emitter.emit = (event, ...args) => {
    if (event === 'message') record(structuredClone(args[0]))
    return emit(event, ...args)
  }
  function record(msg) {
    w.log.push({ dir: 'in', msg })
    w.raw.push(msg)
    if (msg[0] === 'headers') w.headers.push(msg[1])
    if (msg[0] === 'sync') {
      for (let i = 2; i + 1 < msg.length; i += 2) {
        let meta = msg[i + 1]
        w.incoming.push({
          action: msg[i],
          idNode: wireIdNode(meta.id, node.remoteNodeId),
          metaKeys: Object.keys(meta)
        })
      }
    }
  }
  let send = node.connection.send.bind(node.connection)
  node.connection.send = msg => {
    w.log.push({ dir: 'out', msg: structuredClone(msg) })
    w.outgoing.push(msg)
    return send(msg)
  }
  // Entries received whose id belongs to one of this client's client id
  // (`user:random`): the node must never send those back.
  w.echoes = clientId => w.incoming.filter(e => parseId(e.idNode).clientId === clientId)
  // Meta keys other than id, time, subprotocol seen in what the node sent.
  w.foreignMeta = () => {
    let bad = new Set()
    for (let e of w.incoming) {
      for (let k of e.metaKeys) if (!['id', 'subprotocol', 'time'].includes(k)) bad.add(k)
    }
    return [...bad]
  }
  w.received = type => w.incoming.filter(e => e.action.type === type)
  return w
}

// Every entry with reasons left in a log (a clean client log has none).
export async function kept(log) {
  let left = []
  await log.each((action, meta) => {
    left.push({ reasons: meta.reasons, type: action.type })
    return undefined
  })
  return left
}

// The waiting-room of an undo: resolves with the LoguxUndoError a promise was
// rejected with, fails if it resolved.
export async function undone(promise) {
  try {
    await promise
  } catch (e) {
    if (e.name === 'LoguxUndoError') return e.action
    throw e
  }
  throw new Error('resolved (processed) instead of undone')
}
