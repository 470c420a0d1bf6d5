// Trial (apps35): two tabs (pages of one Chromium, one origin: CrossTabClient's leader and follower) against a
// node: a token, a channel, actions from both tabs, and the node's kill -9 and restart
// (the driver prints {"step":"restart-now"} and waits for a line on stdin).
//   node edge/tabs-trial.mjs --url ws://127.0.0.1:PORT --token T
import { build } from 'esbuild'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'

import { launch } from './cdp.mjs'
import { emit, options, sleep, steps as newSteps } from './lib.mjs'

const opts = options({ user: { default: 'alice', type: 'string' } }, 'usage: node edge/tabs-trial.mjs --url URL --token T')
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const RUN = Math.random().toString(36).slice(2, 8)
const APP = new URL('./app/', import.meta.url)
let js = (await build({ bundle: true, define: { 'process.env.NODE_ENV': '"development"' },
  entryPoints: [new URL('tabs.js', APP).pathname], format: 'esm', logLevel: 'silent', platform: 'browser',
  target: 'es2022', write: false })).outputFiles[0].contents
const html = readFileSync(new URL('index.html', APP))
let http = createServer((req, res) => {
  let path = new URL(req.url, 'http://x').pathname
  if (path === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js)
  else res.writeHead(200, { 'content-type': 'text/html' }).end(html)
})
await new Promise(resolve => http.listen(0, '127.0.0.1', resolve))
let site = `http://127.0.0.1:${http.address().port}/?` + new URLSearchParams({ server: opts.url, token: opts.token, user: opts.user })
let browser = await launch()
const steps = newSteps('tabs-trial', opts.timeout)
async function open() {
  let page = await browser.page()
  await page.send('Runtime.enable')
  await page.send('Page.enable')
  page.on('Runtime.exceptionThrown', ({ exceptionDetails }) =>
    emit({ pageException: exceptionDetails.exception?.description || exceptionDetails.text }))
  page.on('Runtime.consoleAPICalled', ({ args, type }) => {
    if (type === 'error' || type === 'warning') emit({ console: type, text: args.map(a => a.value ?? a.description).join(' ') })
  })
  if (process.env.TRACE) {
    await page.send('Network.enable')
    page.on('Network.webSocketFrameSent', ({ response }) => emit({ sent: response.payloadData.slice(0, 300) }))
    page.on('Network.webSocketFrameReceived', ({ response }) => emit({ received: response.payloadData.slice(0, 300) }))
  }
  await page.send('Page.navigate', { url: site })
  let call = async expr => {
    let r = await page.send('Runtime.evaluate', { awaitPromise: true, expression: expr, returnByValue: true })
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description || r.exceptionDetails.text)
    return r.result.value
  }
  for (let i = 0; i < 100 && !(await call('typeof window.app === "object"')); i++) await sleep(50)
  return call
}
let tab1 = await open()
let tab2 = await open()
const both = () => Promise.all([tab1('app.state()'), tab2('app.state()')])
// Whether both tabs are synchronized; throws at once with the error a tab's client got (before, embed35: a token of
// another user than --user ended in "start timed out" after 15 s, the node's wrong-credentials unsaid)
async function bothSynchronized() {
  let tabs = await both()
  // a failed connect while the node restarts ("WS Error": the browser gives no more) is what the client retries
  let bad = tabs.flatMap(t => t.errors).filter(e => e !== 'Error: WS Error')
  if (bad.length > 0) {
    let hint = bad.some(e => e.startsWith('wrong-credentials'))
      ? ` (the node refused the token: is --token one for --user ${opts.user}?)` : ''
    throw new Error(`node error: ${bad.join(', ')}${hint}`)
  }
  return tabs.every(t => t.state === 'synchronized')
}
let poll = async fn => {
  for (;;) {
    let v = await fn()
    if (v) return v
    await sleep(50)
  }
}
await steps.run('start', async () => {
  await tab1('app.start()')
  await sleep(300)
  await tab2('app.start()')
  await poll(bothSynchronized)
  return { tabs: await both() }
}, { required: true, timeout: 15000 })
const room = `room/${RUN}`
await steps.run('subscribe', async () => ({
  tab1: await tab1(`app.sync({type:'logux/subscribe',channel:'${room}'})`),
  tab2: await tab2(`app.sync({type:'logux/subscribe',channel:'${room}'})`)
}))
await steps.run('add-from-both-tabs', async () => {
  let a = await tab1(`app.sync({type:'chat/add',text:'${RUN} from tab1'})`)
  let b = await tab2(`app.sync({type:'chat/add',text:'${RUN} from tab2'})`)
  await poll(async () => (await tab2(`app.texts('chat/add')`)).includes(`${RUN} from tab1`) &&
    (await tab1(`app.texts('chat/add')`)).includes(`${RUN} from tab2`))
  return { a, b, tab1: await tab1(`app.texts('chat/add')`), tab2: await tab2(`app.texts('chat/add')`) }
})
// (no denied step here: in this trial a CrossTabClient did not send an action that log.add was given with another client's id,
// leader or follower (seen with CDP's frame trace, TRACE=1), so the node never sees it; app-trial.mjs has it)
console.log(JSON.stringify({ step: 'restart-now' }))
await lines.next()
await steps.run('after-restart', async () => {
  await poll(bothSynchronized)
  let a = await tab1(`app.sync({type:'chat/add',text:'${RUN} tab1 after'})`)
  let b = await tab2(`app.sync({type:'chat/add',text:'${RUN} tab2 after'})`)
  await poll(async () => (await tab2(`app.texts('chat/add')`)).includes(`${RUN} tab1 after`) &&
    (await tab1(`app.texts('chat/add')`)).includes(`${RUN} tab2 after`))
  return { a, b, states: await both(), tab1: await tab1(`app.texts('chat/add')`), tab2: await tab2(`app.texts('chat/add')`) }
}, { timeout: 30000 })
await browser.close()
http.close()
steps.done()
setTimeout(() => process.exit(), 50)
