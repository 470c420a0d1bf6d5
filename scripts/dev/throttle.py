#!/usr/bin/env python3
"""A TCP forwarder on 127.0.0.1 that caps each direction at RATE bytes/s, as a slow link or a throttling proxy
does (LinkEmu faults whole messages; this one paces bytes). Usage: throttle.py LISTEN_PORT TARGET_PORT RATE"""
import asyncio, sys, time
LISTEN, TARGET, RATE = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

async def pipe(r, w):
    free = time.monotonic()
    try:
        while True:
            data = await r.read(min(4096, max(1, RATE // 100)))
            if not data:
                break
            free = max(free, time.monotonic()) + len(data) / RATE
            delay = free - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            w.write(data)
            await w.drain()
    except Exception:
        pass
    finally:
        try:
            w.close()
        except Exception:
            pass

async def handle(cr, cw):
    try:
        sr, sw = await asyncio.open_connection('127.0.0.1', TARGET)
    except Exception:
        cw.close(); return
    await asyncio.gather(pipe(cr, sw), pipe(sr, cw))

async def main():
    srv = await asyncio.start_server(handle, '127.0.0.1', LISTEN)
    async with srv:
        await srv.serve_forever()
asyncio.run(main())
