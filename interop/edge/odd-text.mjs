// Scenario "odd-text": a stock @logux/client 0.23 Client in Node 20 and odd
// text in channel names and actions: names that differ only in Unicode
// normalization (NFC/NFD) or case, a NUL, U+2028, an unpaired surrogate (an
// emoji cut in half), an emoji, a BOM, a percent sign and a slash-like char.
//
//   node edge/odd-text.mjs --url ws://127.0.0.1:PORT [--timeout MS] [--settle MS]
//
// The node needs the contract of README.md (EdgeContract). Prints one JSON
// line per step, exit code 0 when all passed.
import { Client } from '@logux/client'
import { parseId } from '@logux/core'

import { catchErrors, check, options, sleep, steps as newSteps, synchronized, undone, until } from './lib.mjs'

const opts = options({}, 'usage: node edge/odd-text.mjs --url ws://127.0.0.1:PORT')

function makeClient(userId) {
  let client = new Client({ server: opts.url, subprotocol: 1, token: opts.token, userId })
  let errors = catchErrors(client.node)
  let actions = []
  client.on('add', (action, meta) => {
    if (parseId(meta.id).clientId !== client.clientId) actions.push(action)
  })
  return { actions, client, errors }
}

const RUN = Math.random().toString(36).slice(2, 8)
// room ids (the part after edge/room/), each its own channel
const ROOMS = {
  nfc: `caf\u00e9-${RUN}`,
  nfd: `cafe\u0301-${RUN}`,
  upper: `CAF\u00c9-${RUN}`,
  nul: `a\u0000b-${RUN}`,
  ls: `l\u2028s-${RUN}`,
  cut: `cut\ud83d-${RUN}`,
  cutOther: `cut\ud83e-${RUN}`,
  emoji: `e\ud83d\ude00-${RUN}`,
  bom: `\ufeffb-${RUN}`,
  percent: `p%2F-${RUN}`,
  fraction: `f\u2215x-${RUN}`
}
// what carol subscribes to: every room but nfd, upper, cutOther
const CAROL = ['nfc', 'nul', 'ls', 'cut', 'emoji', 'bom', 'percent', 'fraction']
const ODD = `nul\u0000 ls\u2028 ps\u2029 cut\ud83d nfd cafe\u0301 bom\ufeff`

const steps = newSteps('odd-text', opts.timeout)
let a = makeClient('alice')
let carol = makeClient('carol')
const settle = () => sleep(opts.settle)
const loaded = (c, room) => c.actions.filter(x => x.type === 'edge/loaded' && x.channel === `edge/room/${room}`)
const said = (c, text) => c.actions.filter(x => x.type === 'edge/say' && x.text === text)

await steps.run('start', async () => {
  a.client.start()
  carol.client.start()
  await synchronized([a.client, carol.client], [a.errors, carol.errors])
}, { required: true })

await steps.run('subscribe', async () => {
  await Promise.all(CAROL.map(k => carol.client.sync({ channel: `edge/room/${ROOMS[k]}`, type: 'logux/subscribe' })))
  return { subscriptions: Object.keys(carol.client.subscriptions).length }
})

await steps.run('load', async () => {
  for (let k of CAROL) {
    await until(() => loaded(carol, ROOMS[k]).length >= 1, `edge/loaded for room ${k}`)
  }
  await settle()
  let counts = Object.fromEntries(Object.keys(ROOMS).map(k => [k, loaded(carol, ROOMS[k]).length]))
  for (let k of Object.keys(ROOMS)) {
    check(counts[k] === (CAROL.includes(k) ? 1 : 0), `edge/loaded per room ${JSON.stringify(counts)}`)
  }
  return { counts }
})

await steps.run('channel', async () => {
  for (let k of Object.keys(ROOMS)) {
    await a.client.sync({ room: ROOMS[k], text: `${RUN}:${k}`, type: 'edge/say' })
  }
  for (let k of CAROL) {
    await until(() => said(carol, `${RUN}:${k}`).length === 1, `carol gets the edge/say of room ${k}`)
  }
  await settle()
  let counts = Object.fromEntries(Object.keys(ROOMS).map(k => [k, said(carol, `${RUN}:${k}`).length]))
  for (let k of Object.keys(ROOMS)) {
    check(counts[k] === (CAROL.includes(k) ? 1 : 0), `edge/say per room ${JSON.stringify(counts)}`)
  }
  return { counts }
})

await steps.run('unsubscribe', async () => {
  // the NFD name was never subscribed: unsubscribing it leaves the NFC one
  await carol.client.sync({ channel: `edge/room/${ROOMS.nfd}`, type: 'logux/unsubscribe' })
  await carol.client.sync({ channel: `edge/room/${ROOMS.cut}`, type: 'logux/unsubscribe' })
  await a.client.sync({ room: ROOMS.nfc, text: `${RUN}:nfc-2`, type: 'edge/say' })
  await a.client.sync({ room: ROOMS.cut, text: `${RUN}:cut-2`, type: 'edge/say' })
  await a.client.sync({ room: ROOMS.emoji, text: `${RUN}:emoji-2`, type: 'edge/say' })
  await until(() => said(carol, `${RUN}:nfc-2`).length === 1, 'carol still gets room nfc')
  await until(() => said(carol, `${RUN}:emoji-2`).length === 1, 'carol still gets room emoji')
  await settle()
  check(said(carol, `${RUN}:cut-2`).length === 0, 'carol got room cut after unsubscribing')
})

// a refused action comes back in logux/undo as it was sent: odd text in a value, in a key
const UNDONE = {
  'undo-value': { s: ODD, type: 'edge/refused' },
  'undo-key-cut': { [`k\ud83d`]: 'v', type: 'edge/refused' },
  'undo-key-ls': { [`k\u2028`]: 'v', type: 'edge/refused' },
  'undo-key-nul': { [`k\u0000`]: 'v', type: 'edge/refused' },
  'undo-key-nfd': { [`cafe\u0301`]: 'v', [`caf\u00e9`]: 'w', type: 'edge/refused' },
  'undo-key-cut-ls': { [`k\ud83d\u2028`]: 'v', type: 'edge/refused' },
  'undo-all': { s: ODD, type: 'edge/refused', [`k\ud83d\u2028`]: `v\u0000` }
}
for (let [name, action] of Object.entries(UNDONE)) {
  await steps.run(name, async () => {
    let undo = await undone(a.client.sync(action))
    check(JSON.stringify(undo.action) === JSON.stringify(action), `undo.action ${JSON.stringify(undo.action)}, sent ${JSON.stringify(action)}`)
  })
}

await steps.run('processed', async () => {
  await a.client.sync({ s: ODD, text: `${RUN}:odd`, to: 'carol', type: 'edge/say' })
  await until(() => said(carol, `${RUN}:odd`).length === 1, 'carol gets the odd edge/say')
  let got = said(carol, `${RUN}:odd`)[0]
  check(got.s === ODD, `carol got s ${JSON.stringify(got.s)}, sent ${JSON.stringify(ODD)}`)
})

a.client.destroy()
carol.client.destroy()
steps.done()
