// A Negentropy protocol v1 client (initiator) from nostr-tools 2.25.2 (NIP-77), driven by lines on stdin,
// for logmesh's cross-implementation test (node/src/test/.../reconcile/NostrToolsInteropTest.java).
//
// stdin:  limit,<frame size limit, >= 4096>   (before any item; default 60000, nostr-tools' own)
//         item,<timestamp>,<64 hex>           (the client's set)
//         initiate                            (seals the set, prints the first message)
//         msg,<hex>                           (the server's answer: prints have/need lines, then msg or done)
// stdout: msg,<hex> | have,<hex> | need,<hex> | done | error,<text>
//
// nip77 is not in nostr-tools' export map, so it is imported by path. Its varints use 32-bit operations:
// timestamps must stay below 2^31.
import readline from 'node:readline'
import { Negentropy, NegentropyStorageVector } from './node_modules/nostr-tools/lib/esm/nip77.js'

let limit = 60000
const storage = new NegentropyStorageVector()
let ne = null
const out = (line) => process.stdout.write(line + '\n')

const rl = readline.createInterface({ input: process.stdin, terminal: false })
rl.on('line', (line) => {
  try {
    const [cmd, a, b] = line.trim().split(',')
    if (cmd === 'limit') {
      limit = parseInt(a, 10)
    } else if (cmd === 'item') {
      storage.insert(parseInt(a, 10), b)
    } else if (cmd === 'initiate') {
      storage.seal()
      ne = new Negentropy(storage, limit)
      out('msg,' + ne.initiate())
    } else if (cmd === 'msg') {
      const next = ne.reconcile(a, (id) => out('have,' + id), (id) => out('need,' + id))
      out(next === null ? 'done' : 'msg,' + next)
    } else if (cmd !== '') {
      out('error,unknown command ' + cmd)
    }
  } catch (e) {
    out('error,' + String(e && e.message).replace(/\n/g, ' '))
  }
})
rl.on('close', () => process.exit(0))
