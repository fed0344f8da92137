"""The demo's report in a real browser (#16): headless Chromium renders index.html, every image loads, the tables are there.

`.ci/run` installs Debian's `chromium` when it is missing; where no browser can be found the test skips and says so."""
import json, re, shutil, subprocess
from pathlib import Path
import pytest

BROWSERS = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
PROBE = """<script>window.addEventListener('load', () => {
  const ok = [...document.images].map(i => i.complete && i.naturalWidth > 0);
  document.body.setAttribute('data-probe', JSON.stringify({images: ok, tables: document.querySelectorAll('table').length,
    rows: document.querySelectorAll('tr').length, title: document.title, width: document.body.scrollWidth}));
});</script>"""

def browser() -> str:
    exe = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if exe is None: pytest.skip(f'no headless browser found ({", ".join(BROWSERS)}); .ci/run installs Debian\'s chromium')
    return exe

def headless(exe, *args, timeout=120):
    return subprocess.run([exe, '--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=10000', *args],
                          capture_output=True, text=True, timeout=timeout)

@pytest.mark.xdist_group('quick_demo')
def test_report_renders_in_chromium(quick_report, tmp_path):
    exe = browser()
    r, report = quick_report
    assert r.returncode == 0, r.stderr[-2000:]
    page = (report / 'index.html').read_text(encoding='utf-8')
    probe = tmp_path / 'index.html'                     # a copy with a probe script; the report itself stays script-free
    probe.write_text(page.replace('</body>', PROBE + '</body>'), encoding='utf-8')
    dom = headless(exe, '--dump-dom', probe.as_uri())
    m = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert m, (dom.returncode, dom.stderr[-1500:])
    res = json.loads(m.group(1).replace('&quot;', '"'))
    n_img = page.count('<img ')
    assert n_img >= 4 and res['images'] == [True] * n_img, res['images']   # every figure decoded by the browser
    assert res['tables'] >= 6 and res['rows'] >= 30, res                    # Tables 1-3 and the extra tables
    assert res['title'].startswith('avgas — AV-GAS on the synth world')
    for heading in ('Table 1', 'Table 2', 'Table 3', 'Which differences are significant'): assert heading in dom.stdout, heading
    shot = tmp_path / 'shot.png'
    headless(exe, f'--screenshot={shot}', '--window-size=1200,1600', (report / 'index.html').as_uri())
    from PIL import Image
    import numpy as np
    px = np.asarray(Image.open(shot).convert('L'))
    assert px.std() > 5, 'the screenshot is blank'                          # text and figures were painted
