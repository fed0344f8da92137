"""Videos per second of `avgas prepare-vggsound` with 1 and with N worker processes, in one run.

Uses the real VGGSound fixture videos (../shared or $AVGAS_SHARED), copied --repeat times under
distinct names so that the process pool has enough work.

    python benchmarks/prepare_vggsound.py [--repeat 4] [--workers 2]
"""
import argparse, shutil, tempfile, time
from pathlib import Path
from avgas.core import shared_dir
from avgas.vggsound import prepare_vggsound, read_vggsound_csv

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeat', type=int, default=4); ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    d = shared_dir()
    if d is None: raise SystemExit('needs the reference fixtures (../shared or $AVGAS_SHARED)')
    src = d/'fixtures/vggsound/video'
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp); vids = tmp/'videos'; vids.mkdir(); rows = []
        for r in range(a.repeat):
            for s in read_vggsound_csv(src/'labels.csv'):
                vid = f'{s.youtube_id[:9]}r{r:02d}'
                shutil.copy(src/f'{s.name}.mp4', vids/f'{vid}_{int(s.start_s*1000)}_{int(s.start_s*1000)+10000}.mp4')
                rows.append(f'{vid},{s.start_s:g},{s.label},bench\n')
        (tmp/'vgg.csv').write_text(''.join(rows))
        rates = {}
        for w in (1, a.workers):
            t = time.perf_counter()
            s = prepare_vggsound(vids, tmp/'vgg.csv', tmp/f'out{w}', workers=w, progress=False)
            rates[w] = s['prepared'] / (time.perf_counter() - t)
            print(f'{w} process(es): {s["prepared"]} videos, {rates[w]:.2f} videos/s, skipped {len(s["skipped"])}')
        print(f'speed-up with {a.workers} processes: {rates[a.workers] / rates[1]:.2f}x')

if __name__ == '__main__':
    main()
