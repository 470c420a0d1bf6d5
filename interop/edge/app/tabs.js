// The page of trial tabs-trial.mjs: a CrossTabClient that the driver calls through window.app.
import { CrossTabClient } from '@logux/client'

const q = new URLSearchParams(location.search)
const client = new CrossTabClient({
  server: q.get('server'), subprotocol: 1, token: q.get('token') || '', userId: q.get('user')
})
const got = []
const errors = []
client.on('add', (action, meta) => got.push({ action, id: meta.id }))
client.node.catch(e => errors.push(e.type ? `${e.type} ${JSON.stringify(e.options || '')}` : String(e)))
window.app = {
  start() {
    client.start()
  },
  state() {
    return { clientId: client.clientId, connected: client.connected, errors, nodeId: client.nodeId,
      role: client.role, state: client.state }
  },
  async sync(action) {
    try {
      await client.sync(action)
      return 'processed'
    } catch (e) {
      return `undo ${e.action?.reason} ${e.message}`
    }
  },
  texts(type) {
    return got.filter(g => g.action.type === type).map(g => g.action.text ?? g.action.action?.text ?? g.action.reason)
  },
  undos() {
    return got.filter(g => g.action.type === 'logux/undo').map(g => `${g.action.id} ${g.action.reason}`)
  }
}
