// The shared list of examples/desktop in a browser: a stock @logux/client
// CrossTabClient connected to any node of the mesh. It shows every
// {"type":"list/add","text":...} action in created order (the action ids'
// order: ms, node id, seq), the same order as the Swing window.
//
// Query parameters: server (ws://HOST:PORT of a node; default: the node that
// served the page, from config.json), user (default: guest), token (keyed
// meshes: a user token), add (comma-separated items to add at start).
import { CrossTabClient, IndexedStore } from '@logux/client'

const ADD = 'list/add'
const params = new URLSearchParams(location.search)
const config = await (await fetch('config.json')).json()
const userId = params.get('user') || 'guest'

const client = new CrossTabClient({
  server: params.get('server') || config.server,
  // keeps what the page shows (and its place in the log) across reloads
  store: new IndexedStore(`logmesh-list-${userId}`),
  subprotocol: 1,
  token: params.get('token') || undefined,
  userId
})

// The node sends its clients only id, time and subprotocol in a meta (no
// reasons): the page keeps the list's actions itself. A node never sends a
// client its own actions back, so they are kept too.
client.log.on('preadd', (action, meta) => {
  if (action.type === ADD && !meta.reasons.includes('list')) meta.reasons.push('list')
})

const items = new Map()
function parseId(id) {
  let [ms, node, seq] = id.split(' ')
  return { ms: Number(ms), node, seq: Number(seq) }
}
function compare(a, b) {
  let x = parseId(a)
  let y = parseId(b)
  if (x.ms !== y.ms) return x.ms - y.ms
  if (x.node !== y.node) return x.node < y.node ? -1 : 1
  return x.seq - y.seq
}
function show(action, meta) {
  if (action.type !== ADD || items.has(meta.id)) return
  items.set(meta.id, { author: parseId(meta.id).node.split(':')[0], text: String(action.text) })
  render()
}
function render() {
  let list = document.getElementById('items')
  list.replaceChildren(...[...items.keys()].sort(compare).map(id => {
    let li = document.createElement('li')
    let who = document.createElement('span')
    who.className = 'who'
    who.textContent = `  (${items.get(id).author})`
    li.append(items.get(id).text, who)
    return li
  }))
  document.body.dataset.items = String(items.size)
}

client.on('add', show)
await client.log.each((action, meta) => {
  show(action, meta)
  return undefined
})
client.on('state', () => {
  let el = document.getElementById('state')
  el.textContent = client.state
  el.className = client.state
})
client.start()
document.getElementById('me').textContent = `${client.nodeId} → ${client.options.server}`

document.getElementById('add').addEventListener('submit', e => {
  e.preventDefault()
  let input = document.getElementById('text')
  if (input.value.trim()) client.sync({ text: input.value.trim(), type: ADD })
  input.value = ''
})
for (let text of (params.get('add') || '').split(',').filter(Boolean)) {
  await client.sync({ text, type: ADD })
}
