// A stand-in for a logmesh node's edge role, made of a stock @logux/server
// 0.14 with the scenario contract (README.md, "The contract"). It exists to
// check the scenario scripts: what passes here is what a stock Logux server
// does, plus the three things the issue asks beyond it (noted "beyond stock").
//
//   node edge/fake-node.mjs [--port 0] [--tokens JSON] [--unaddressed all|none]
//
// Prints {"event":"listening","url":"ws://127.0.0.1:PORT","nodeId":...} and
// then one line per report of interest; stops on stdin EOF or SIGTERM.
import { parseId } from '@logux/core'
import { BaseServer } from '@logux/server'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

// Not exported by the package: loaded from its file.
const { FilteredNode } = await import(new URL('./filtered-node/index.js', import.meta.resolve('@logux/server')))

const { values: opts } = parseArgs({
  options: {
    port: { default: '0', type: 'string' },
    tokens: { type: 'string' },
    unaddressed: { default: 'all', type: 'string' }
  }
})
const tokens = opts.tokens ? JSON.parse(opts.tokens) : null
const emit = line => process.stdout.write(JSON.stringify(line) + '\n')
const ADDRESS = ['nodes', 'clients', 'users', 'channels']
const isAddressed = meta => ADDRESS.some(k => Array.isArray(meta[k]) && meta[k].length > 0)

// Beyond stock: catch-up on connect skips the client's own actions (stock
// FilteredNode's syncFilter sends a user's actions back to the client that
// made them after a restart) and, with --unaddressed all, includes
// unaddressed actions.
class EdgeNode extends FilteredNode {
  syncFilter(action, meta) {
    if (parseId(meta.id).clientId === this.client.clientId) return false
    if (opts.unaddressed === 'all' && !isAddressed(meta) && !action.type.startsWith('logux/')) {
      return !(meta.excludeClients || []).includes(this.client.clientId)
    }
    return super.syncFilter(action, meta)
  }
}

const server = new BaseServer({
  env: 'development',
  host: '127.0.0.1',
  minSubprotocol: 1,
  Node: EdgeNode,
  port: Number(opts.port) || 1, // replaced below: BaseServer defaults 0 to 31337
  subprotocol: 1
})
server.options.port = Number(opts.port)

server.auth(({ token, userId }) => !tokens || (userId !== undefined && tokens[userId] === token))

// Beyond stock: the node keeps what it accepts (the mesh's own reason), so a
// restarted client gets what is addressed to it on connect.
server.on('preadd', (action, meta) => {
  if (!action.type.startsWith('logux/')) meta.reasons.push('mesh')
})

server.type('edge/refused', { access: () => false })
server.type('edge/fail', {
  access: () => true,
  process() {
    throw new Error('edge/fail always fails')
  }
})
server.type('edge/say', {
  access: () => true,
  resend(ctx, action) {
    let to = {}
    if (action.to) to.users = [action.to]
    if (action.room) to.channels = [`edge/room/${action.room}`]
    return to
  }
})
// On a real mesh the pong comes from a second node (see README).
server.type('edge/ping', {
  access: () => true,
  process(ctx, action) {
    return server.log.add({ n: action.n, type: 'edge/pong' }, { users: [ctx.userId] })
  }
})
server.otherType({ access: () => true })
server.channel('edge/room/:id', {
  access: () => true,
  load: (ctx, action) => ({ channel: action.channel, type: 'edge/loaded' })
})
server.channel('edge/secret/:user', { access: ctx => ctx.userId === ctx.params.user })
server.otherChannel({ access: () => true })

// Beyond stock: --unaddressed all delivers unaddressed actions live to every
// other client (a stock server sends them to nobody). After processing, when
// a resend hook may have addressed the action.
server.on('processed', (action, meta) => {
  if (opts.unaddressed !== 'all' || isAddressed(meta) || action.type.startsWith('logux/')) return
  let from = parseId(meta.id).clientId
  for (let client of server.connected.values()) {
    if (client.clientId && client.clientId !== from && !(meta.excludeClients || []).includes(client.clientId)) {
      client.node.onAdd(action, meta)
    }
  }
})

server.on('report', (name, details) => {
  if (['authenticated', 'unauthenticated', 'denied', 'unknownType', 'wrongChannel', 'subscribed', 'unsubscribed', 'disconnect'].includes(name)) {
    emit({ event: name, ...JSON.parse(JSON.stringify(details, (k, v) => (k === 'err' ? String(v) : v))) })
  }
})

await server.listen()
emit({ event: 'listening', nodeId: server.nodeId, url: `ws://127.0.0.1:${server.httpServer.address().port}` })

async function stop() {
  await server.destroy()
  process.exit(0)
}
process.on('SIGTERM', stop)
createInterface({ input: process.stdin }).on('close', stop)
