// Opens the shared-list page in a Chromium window (on $DISPLAY) and waits
// until it shows a number of items; for scripts/demo-web.sh.
//
//   node examples/web/show.mjs URL --items N [--position X,Y] [--size W,H] [--timeout MS]
//
// Prints `page <count> <text>|<text>|...` once the page shows N items, then
// keeps the window open until stdin closes (the demo takes its screenshot).
// Exit 1 if the page does not get there in time.
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

import { launch } from '../../interop/edge/cdp.mjs'

const { positionals, values: opts } = parseArgs({
  allowPositionals: true,
  options: {
    items: { type: 'string' },
    position: { default: '0,0', type: 'string' },
    size: { default: '560,300', type: 'string' },
    timeout: { default: '30000', type: 'string' }
  }
})
const url = positionals[0]
const want = Number(opts.items)
const browser = await launch({
  args: [`--app=${url}`, `--window-position=${opts.position}`, `--window-size=${opts.size}`,
    '--force-device-scale-factor=1', '--hide-scrollbars', '--test-type'],
  headless: false,
  url: null
})
const stop = async code => {
  await browser.close()
  process.exit(code)
}

let target
for (let end = Date.now() + 10000; !target && Date.now() < end;) {
  let { targetInfos } = await browser.send('Target.getTargets')
  target = targetInfos.find(t => t.type === 'page' && t.url.startsWith(url.split('?')[0]))
  if (!target) await new Promise(r => setTimeout(r, 100))
}
if (!target) {
  process.stderr.write(`show: no window for ${url}: ${browser.stderr()}\n`)
  await stop(1)
}
const page = await browser.page(target.targetId)
const read = async () => {
  let { result } = await page.send('Runtime.evaluate', {
    expression: `JSON.stringify({ n: Number(document.body?.dataset.items || 0), state: document.getElementById('state')?.textContent,
      texts: [...document.querySelectorAll('#items li')].map(li => li.firstChild.textContent) })`,
    returnByValue: true
  })
  return JSON.parse(result.value)
}
let shown
for (let end = Date.now() + Number(opts.timeout); Date.now() < end;) {
  shown = await read().catch(() => null)
  if (shown && shown.n >= want && shown.state === 'synchronized') break
  await new Promise(r => setTimeout(r, 100))
}
if (!shown || shown.n < want) {
  process.stderr.write(`show: the page shows ${JSON.stringify(shown)}, not ${want} items\n`)
  await stop(1)
}
process.stdout.write(`page ${shown.n} ${shown.texts.join('|')}\n`)
createInterface({ input: process.stdin }).on('close', () => stop(0))
process.on('SIGTERM', () => stop(0))
