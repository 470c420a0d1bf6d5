// Scenario "browser": a page bundling @logux/client's CrossTabClient (esbuild)
// in headless Chromium (Debian's), against a node.
//
//   node edge/browser.mjs --url ws://127.0.0.1:PORT [--user alice] [--tokens JSON | --token T]
//        [--timeout MS] [--settle MS] [--screenshot FILE.png] [--bundle-only]
//
// Steps of the driver: bundle, serve (http on 127.0.0.1, any free port),
// browser, load; then the page's own steps (app/page.js), relayed as they
// come; then done. CHROMIUM=path overrides /usr/bin/chromium.
import { build } from 'esbuild'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'

import { findChromium, launch } from './cdp.mjs'
import { check, emit, options, steps as newSteps, until } from './lib.mjs'

const opts = options(
  {
    'bundle-only': { default: false, type: 'boolean' },
    screenshot: { type: 'string' },
    tokens: { type: 'string' },
    url: { type: 'string' },
    user: { default: 'alice', type: 'string' }
  },
  'usage: node edge/browser.mjs --url ws://127.0.0.1:PORT [--user alice] [--tokens JSON] [--screenshot FILE]'
)
const tokens = opts.tokens ? JSON.parse(opts.tokens) : {}
const token = tokens[opts.user] ?? opts.token
const steps = newSteps('browser', opts.timeout)
const APP = new URL('./app/', import.meta.url)

let js
await steps.run('bundle', async () => {
  let result = await build({
    bundle: true,
    define: { 'process.env.NODE_ENV': '"development"' },
    entryPoints: [new URL('page.js', APP).pathname],
    format: 'esm',
    logLevel: 'silent',
    platform: 'browser',
    target: 'es2022',
    write: false
  })
  js = result.outputFiles[0].contents
  return { bytes: js.length }
}, { required: true, timeout: 30000 })

if (opts['bundle-only'] || !opts.url) {
  steps.done()
  process.exit()
}

const html = readFileSync(new URL('index.html', APP))
let httpServer
let site = await steps.run('serve', async () => {
  httpServer = createServer((req, res) => {
    let path = new URL(req.url, 'http://x').pathname
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html)
    } else if (path === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js)
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise(resolve => httpServer.listen(0, '127.0.0.1', resolve))
  return { site: `http://127.0.0.1:${httpServer.address().port}/` }
}, { required: true })

let browser
let page
const pageLines = []
let pageDone
await steps.run('browser', async () => {
  let exe = findChromium()
  check(existsSync(exe), `no Chromium at ${exe} (apt-get install chromium, or set CHROMIUM)`)
  browser = await launch({ executable: exe })
  let { product } = await browser.send('Browser.getVersion')
  page = await browser.page()
  await page.send('Runtime.enable')
  await page.send('Page.enable')
  await page.send('Runtime.addBinding', { name: 'edgeReport' })
  page.on('Runtime.bindingCalled', ({ name, payload }) => {
    if (name !== 'edgeReport') return
    let line = JSON.parse(payload)
    if (line.step === 'done') {
      pageDone = line
      return
    }
    pageLines.push(line)
    emit(line) // the page's step, as it happened
    if (line.ok) steps.passed += 1
    else steps.failed += 1 // and the "page" step fails too
  })
  page.on('Runtime.exceptionThrown', ({ exceptionDetails }) => {
    let text = exceptionDetails.exception?.description || exceptionDetails.text
    steps.fail('page-exception', new Error(text))
  })
  page.on('Runtime.consoleAPICalled', ({ args, type }) => {
    if (type === 'error' || type === 'warning') {
      emit({ console: type, scenario: 'browser', text: args.map(a => a.value ?? a.description).join(' ') })
    }
  })
  return { product }
}, { required: true, timeout: 30000 })

await steps.run('load', async () => {
  let query = new URLSearchParams({ server: opts.url, settle: opts.settle, timeout: opts.timeout, user: opts.user })
  if (token) query.set('token', token)
  let target = `${site.site}?${query}`
  let { errorText } = await page.send('Page.navigate', { url: target })
  check(!errorText, `navigation failed: ${errorText}`)
  return { page: target }
})

// The page reports its own steps; wait for its "done" (each of its steps
// has its own timeout inside the page).
await steps.run('page', async () => {
  let done = await until(() => pageDone, 'the page reports done')
  check(done.ok, `${done.failed} page steps failed`)
  return { failed: done.failed, passed: done.passed, received: done.received }
}, { timeout: 10 * opts.timeout + 5000 })

if (opts.screenshot && page) {
  await steps.run('screenshot', async () => {
    let { data } = await page.send('Page.captureScreenshot', { format: 'png' })
    writeFileSync(opts.screenshot, Buffer.from(data, 'base64'))
    return { file: opts.screenshot }
  })
}

if (browser) await browser.close()
if (httpServer) httpServer.close()
steps.done({ page: pageDone ? { failed: pageDone.failed, passed: pageDone.passed } : null })
setTimeout(() => process.exit(), 50)
