import sys,json,collections,glob,re
# xlife.py DIR: per node prefix (outX.N), ids printed as add events in more than one life
d=sys.argv[1]
groups=collections.defaultdict(list)
for f in glob.glob(d+'/out*'):
    m=re.match(r'.*/out(\w+)\.(\d+)$',f)
    if m: groups[m.group(1)].append(f)
for n,fs in sorted(groups.items()):
    c=collections.Counter(); added={}
    for f in fs:
        for l in open(f,errors='replace'):
            try: e=json.loads(l)
            except: continue
            if e.get('event')=='add': c[e['meta']['id']]+=1
    rep=[i for i,x in c.items() if x>1]
    print(n, len(fs),'lives', len(c),'ids', len(rep),'printed in two lives', rep[:3])
