// A drop-in replacement for @logux/core 0.10.0 MemoryStore with cheap appends.
//
// The stock MemoryStore scans the created-order list from the oldest entry on
// every add (O(n) isFirstOlder calls), so filling a log is O(n^2). Here:
//   - ids live in a Map (dedupe and byId are O(1)),
//   - the added-order list is append-only,
//   - the created-order list is sorted oldest first with isFirstOlder; a new
//     entry that is not older than the last one is pushed (the normal case),
//     otherwise its slot is found by binary search.
// Removal still splices arrays (O(n)); it is rare next to adds.
import { isFirstOlder } from '@logux/core'

function emptyList() {
  return { added: [], entries: [] }
}

// First position whose entry is not older than meta (lower bound).
function lowerBound(list, meta) {
  let start = 0
  let end = list.length
  while (start < end) {
    let middle = (start + end) >> 1
    if (isFirstOlder(list[middle][1], meta)) start = middle + 1
    else end = middle
  }
  return start
}

function insertCreated(list, entry) {
  let last = list[list.length - 1]
  if (!last || isFirstOlder(last[1], entry[1])) {
    list.push(entry)
  } else {
    list.splice(lowerBound(list, entry[1]), 0, entry)
  }
}

function positionCreated(list, meta) {
  for (let i = lowerBound(list, meta); i < list.length; i++) {
    if (list[i][1].id === meta.id) return i
    if (isFirstOlder(meta, list[i][1])) break
  }
  // Equal-looking entries may sit before the lower bound (ids without node
  // part compare as equal in isFirstOlder); fall back to a scan.
  return list.findIndex(entry => entry[1].id === meta.id)
}

// The added list is sorted by meta.added.
function positionAdded(list, added) {
  let start = 0
  let end = list.length - 1
  while (start <= end) {
    let middle = (start + end) >> 1
    let other = list[middle][1].added
    if (other < added) start = middle + 1
    else if (other > added) end = middle - 1
    else return middle
  }
  return -1
}

function indexesOf(meta) {
  return Array.isArray(meta.indexes) ? meta.indexes : []
}

export class IndexedStore {
  constructor() {
    this.reset()
  }

  reset() {
    this.entries = []
    this.added = []
    this.indexes = {}
    this.ids = new Map()
    this.lastAdded = 0
    this.lastReceived = 0
    this.lastSent = 0
  }

  index(name) {
    if (!this.indexes[name]) this.indexes[name] = emptyList()
    return this.indexes[name]
  }

  async add(action, meta) {
    if (this.ids.has(meta.id)) return false
    let entry = [action, meta]
    this.lastAdded += 1
    meta.added = this.lastAdded
    this.ids.set(meta.id, entry)
    insertCreated(this.entries, entry)
    this.added.push(entry)
    for (let name of indexesOf(meta)) {
      let list = this.index(name)
      insertCreated(list.entries, entry)
      list.added.push(entry)
    }
    return meta
  }

  async byId(id) {
    let entry = this.ids.get(id)
    return entry ? [entry[0], entry[1]] : [null, null]
  }

  async changeMeta(id, diff) {
    let entry = this.ids.get(id)
    if (!entry) return false
    for (let key in diff) entry[1][key] = diff[key]
    return true
  }

  async clean() {
    this.reset()
  }

  async get(opts = {}) {
    let list = opts.index ? this.indexes[opts.index] || emptyList() : this
    let entries = opts.order === 'created' ? list.entries : list.added
    return { entries: entries.slice(0) }
  }

  async getLastAdded() {
    return this.lastAdded
  }

  async getLastSynced() {
    return { received: this.lastReceived, sent: this.lastSent }
  }

  // Synchronous core of remove(); `created` is an optional position in the
  // created-order list, as in MemoryStore.
  drop(id, created) {
    let entry =
      typeof created === 'number' ? this.entries[created] : this.ids.get(id)
    if (!entry) return false
    let meta = entry[1]
    this.ids.delete(meta.id)
    let lists = [this, ...indexesOf(meta).map(name => this.indexes[name])]
    for (let list of lists) {
      if (!list) continue
      let c = list === this && typeof created === 'number'
        ? created
        : positionCreated(list.entries, meta)
      if (c !== -1) list.entries.splice(c, 1)
      let a = positionAdded(list.added, meta.added)
      if (a !== -1) list.added.splice(a, 1)
    }
    return [entry[0], entry[1]]
  }

  async remove(id, created) {
    return this.drop(id, created)
  }

  async removeReason(reason, criteria, callback) {
    let c = criteria
    if (c.id) {
      let entry = this.ids.get(c.id)
      let meta = entry && entry[1]
      let pos = meta && meta.reasons ? meta.reasons.indexOf(reason) : -1
      if (pos === -1) return
      meta.reasons.splice(pos, 1)
      if (meta.reasons.length === 0) {
        callback(entry[0], meta)
        this.drop(meta.id)
      }
      return
    }
    let removed = new Set()
    for (let entry of this.entries) {
      let [action, meta] = entry
      let pos = meta.reasons ? meta.reasons.indexOf(reason) : -1
      if (pos === -1) continue
      if (c.olderThan !== undefined && !isFirstOlder(meta, c.olderThan)) continue
      if (c.youngerThan !== undefined && !isFirstOlder(c.youngerThan, meta)) continue
      if (c.minAdded !== undefined && meta.added < c.minAdded) continue
      if (c.maxAdded !== undefined && meta.added > c.maxAdded) continue
      meta.reasons.splice(pos, 1)
      if (meta.reasons.length === 0) {
        callback(action, meta)
        removed.add(entry)
      }
    }
    if (removed.size === 0) return
    // One filtering pass per list instead of a splice per removed entry.
    let keep = entry => !removed.has(entry)
    for (let entry of removed) this.ids.delete(entry[1].id)
    for (let list of [this, ...Object.values(this.indexes)]) {
      list.entries = list.entries.filter(keep)
      list.added = list.added.filter(keep)
    }
  }

  async setLastSynced(values) {
    if (values.sent !== undefined) this.lastSent = values.sent
    if (values.received !== undefined) this.lastReceived = values.received
  }
}
