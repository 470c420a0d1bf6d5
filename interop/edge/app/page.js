// The browser scenario's app: a stock CrossTabClient, bundled by esbuild
// (browser.mjs). Parameters come from the query string: server, user, token,
// timeout, settle. Every step is reported through the `edgeReport` binding
// that the driver installs (and shown on the page).
import { CrossTabClient } from '@logux/client'
import { parseId } from '@logux/core'

import { catchErrors, check, kept, sleep, Steps, synchronized, until, wire } from '../common.mjs'

const params = new URLSearchParams(location.search)
const server = params.get('server')
const userId = params.get('user') || 'alice'
const token = params.get('token') || undefined
const timeout = Number(params.get('timeout') || 5000)
const settle = Number(params.get('settle') || 300)
const RUN = Math.random().toString(36).slice(2, 8)

const list = document.getElementById('steps')
const items = document.getElementById('items')
function report(line) {
  let li = document.createElement('li')
  li.textContent = `${line.ok ? '✔' : '✘'} ${line.step}${line.error ? ': ' + line.error : ''}`
  li.className = line.ok ? 'ok' : 'failed'
  list.append(li)
  if (window.edgeReport) window.edgeReport(JSON.stringify(line))
}

const steps = new Steps('browser', timeout, report)
const errors = []
const origError = console.error
console.error = (...args) => {
  errors.push(args.map(String).join(' '))
  origError(...args)
}

const client = new CrossTabClient({ server, subprotocol: 1, token, userId })
const w = wire(client.node)
const nodeErrors = catchErrors(client.node)
const received = []
client.on('add', (action, meta) => {
  if (parseId(meta.id).clientId === client.clientId) return
  received.push(action)
  let li = document.createElement('li')
  li.textContent = JSON.stringify(action)
  items.append(li)
})

await steps.run('start', async () => {
  client.start()
  await until(() => client.role === 'leader', 'leader tab')
  await synchronized([client.node], [nodeErrors])
  return { clientId: client.clientId, nodeId: client.nodeId, server: client.node.remoteNodeId, userAgent: navigator.userAgent }
}, { required: true })

await steps.run('headers', () => {
  check(client.node.remoteHeaders.env === 'development', `node headers ${JSON.stringify(client.node.remoteHeaders)}`)
})

await steps.run('stays-synchronized', async () => {
  await sleep(settle)
  check(client.state === 'synchronized', `state ${client.state} (${errors.join(' | ')})`)
}, { required: true })

await steps.run('sync', async () => {
  // An action added in the page; it must cross the mesh to a second node,
  // which answers with edge/pong addressed to this user.
  await client.sync({ n: RUN, type: 'edge/ping' })
})

await steps.run('pong', async () => {
  let pong = await until(() => received.find(a => a.type === 'edge/pong' && a.n === RUN), 'edge/pong from the mesh')
  return { pong }
})

await steps.run('no-echo', async () => {
  await sleep(settle)
  let echoes = w.echoes(client.clientId)
  check(echoes.length === 0, `own actions came back: ${JSON.stringify(echoes.map(e => e.action))}`)
})

await steps.run('meta', () => {
  let bad = w.foreignMeta()
  check(bad.length === 0, `meta keys other than id, time, subprotocol: ${bad.join(', ')}`)
})

await steps.run('log-clean', async () => {
  let left = await kept(client.log)
  check(left.length === 0, `entries kept in the client log: ${JSON.stringify(left)}`)
})

steps.done({ received: received.length })
