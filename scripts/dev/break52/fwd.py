#!/usr/bin/env python3
"""Byte-level TCP forwarder with faults (break52). Not WebSocket-aware: it cuts mid-frame.
usage: fwd.py SEED LISTEN_PORT:TARGET_PORT[:MODE] ...   MODE: calm | hostile (default hostile)
Per connection and direction, bytes are forwarded in random-size pieces; hostile links:
  - delay each piece 0-30 ms (order kept), stall the direction 1-6 s with prob 0.01 per piece,
  - cut the connection (RST, both sides) at a random time 2-25 s after it opens, possibly mid-frame,
  - with prob 0.1 a connection goes one-way dead (one direction stops forwarding, connection kept) for 3-12 s.
Control: a file /tmp/break52/fwd.ctl line "cut PORT" / "calm PORT" / "hostile PORT" is polled each second.
"""
import asyncio, random, socket, struct, sys, time, os

SEED = int(sys.argv[1])
links = {}
for spec in sys.argv[2:]:
    p = spec.split(':')
    links[int(p[0])] = {'target': int(p[1]), 'mode': p[2] if len(p) > 2 else 'hostile', 'conns': set()}
rnd = random.Random(SEED)
stats = {'conns': 0, 'cuts': 0, 'stalls': 0, 'oneway': 0, 'bytes': 0}

def log(*a):
    print(time.strftime('%H:%M:%S'), *a, file=sys.stderr, flush=True)

def rst(w):
    try:
        s = w.get_extra_info('socket')
        if s is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        w.transport.abort()
    except Exception:
        pass

async def pump(r, w, link, tag, state):
    try:
        while not state['dead']:
            data = await r.read(rnd.randint(1, 9000))
            if not data:
                break
            while data and not state['dead']:
                k = rnd.randint(1, len(data)) if link['mode'] == 'hostile' else len(data)
                piece, data = data[:k], data[k:]
                if link['mode'] == 'hostile':
                    await asyncio.sleep(rnd.random() * 0.03)
                    if rnd.random() < float(os.environ.get('STALLP', '0.01')):
                        d = 1 + rnd.random() * 5
                        stats['stalls'] += 1
                        await asyncio.sleep(d)
                    while state['oneway'] == tag and not state['dead']:
                        await asyncio.sleep(0.2)
                if state['dead']:
                    return
                if link['mode'] == 'pingcut' and tag == 's2c' and b'["ping",' in piece:
                    w.write(piece)
                    await w.drain()
                    log('pingcut: delivered', piece[:60], 'then reset both sides')
                    link['mode'] = 'calm'
                    stats['cuts'] += 1
                    state['dead'] = True
                    rst(w)
                    for cw, tw, _ in list(link['conns']):
                        rst(cw); rst(tw)
                    return
                w.write(piece)
                stats['bytes'] += len(piece)
                await w.drain()
    except Exception:
        pass
    finally:
        state['dead'] = True
        rst(w)

async def handle(cr, cw, port):
    link = links[port]
    if link['mode'] == 'cut':
        rst(cw); return
    try:
        tr, tw = await asyncio.open_connection('127.0.0.1', link['target'])
    except Exception:
        rst(cw); return
    stats['conns'] += 1
    state = {'dead': False, 'oneway': None}
    link['conns'].add((cw, tw, id(state)))
    entry = (cw, tw, id(state))
    async def chaos():
        if link['mode'] != 'hostile':
            return
        if rnd.random() < 0.1:
            await asyncio.sleep(rnd.random() * 5)
            state['oneway'] = rnd.choice(['c2s', 's2c'])
            stats['oneway'] += 1
            await asyncio.sleep(3 + rnd.random() * 9)
            state['oneway'] = None
        await asyncio.sleep(2 + rnd.random() * 23)
        if not state['dead']:
            stats['cuts'] += 1
            state['dead'] = True
            rst(cw); rst(tw)
    c = asyncio.ensure_future(chaos())
    await asyncio.gather(pump(cr, tw, link, 'c2s', state), pump(tr, cw, link, 's2c', state))
    c.cancel()
    link['conns'].discard(entry)

async def control():
    ctl = os.environ.get('FWD_CTL', '/tmp/break52/fwd.ctl')
    seen = 0
    while True:
        await asyncio.sleep(1)
        try:
            lines = open(ctl).read().splitlines()
        except FileNotFoundError:
            continue
        for line in lines[seen:]:
            cmd, port = line.split()[0], int(line.split()[1])
            if port in links:
                links[port]['mode'] = cmd if cmd in ('calm', 'hostile', 'cut', 'pingcut') else links[port]['mode']
                if cmd in ('cut',):
                    for cw, tw, _ in list(links[port]['conns']):
                        rst(cw); rst(tw)
                log('ctl', cmd, port)
        seen = len(lines)

async def report():
    while True:
        await asyncio.sleep(10)
        log('stats', stats)

async def main():
    for port in links:
        await asyncio.start_server(lambda r, w, p=port: handle(r, w, p), '127.0.0.1', port)
    log('ready', list(links))
    await asyncio.gather(control(), report())

asyncio.run(main())
