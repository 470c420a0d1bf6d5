import sys,json
# addedorder.py FILES...: whether add events come in increasing meta.added within each file
for f in sys.argv[1:]:
    prev=None; bad=0; n=0; ex=None
    for l in open(f,errors='replace'):
        try: e=json.loads(l)
        except: continue
        if e.get('event')!='add': continue
        a=e['meta'].get('added'); n+=1
        if prev is not None and a<=prev:
            bad+=1; ex=ex or (prev,a)
        prev=a
    if bad: print(f, n, 'events', bad, 'out of added order, e.g.', ex)
print('checked', len(sys.argv)-1)
