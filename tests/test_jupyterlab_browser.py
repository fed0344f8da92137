"""The notebooks as a JupyterLab user meets them (#29): a real JupyterLab and a real, headless Chromium.

A JupyterLab server starts on 127.0.0.1 (a free port, a one-off token) in a temporary folder holding copies of
`nbs/24_explorer.ipynb` and `nbs/18_generate.ipynb`; selenium drives Debian's `chromium` through its `chromium-driver`
(the paths are given, so Selenium Manager never downloads anything). The explorer shows its saved picture unexecuted,
then Run All: the panel's picture appears, a changed dropdown redraws it, and no output holds an error; the notebook
with saved figures shows every one of them. Skips, saying what is missing, without a browser, its driver, selenium or
JupyterLab; `.ci/run` installs `chromium` and `chromium-driver`."""
import json, os, re, secrets, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parents[1] / 'nbs'
EXPLORER, SAVED = '24_explorer.ipynb', '18_generate.ipynb'
BROWSERS = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
DRIVERS = ('chromedriver', 'chromium-driver')
ERROR_TEXT = re.compile(r'Traceback \(most recent call last\)|\b\w+Error: |Error displaying widget')

def which(names) -> str|None: return next((shutil.which(n) for n in names if shutil.which(n)), None)

def needs() -> tuple[str, str]:
    "(browser, driver), or skip saying what is missing."
    exe, drv = which(BROWSERS), which(DRIVERS)
    if exe is None: pytest.skip(f'no headless browser found ({", ".join(BROWSERS)}); .ci/run installs Debian\'s chromium')
    if drv is None: pytest.skip(f'no browser driver found ({", ".join(DRIVERS)}); .ci/run installs Debian\'s chromium-driver')
    for mod, what in (('selenium', 'selenium'), ('jupyterlab', 'jupyterlab'), ('jupyterlab_widgets', 'jupyterlab_widgets (ipywidgets)')):
        try: __import__(mod)
        except ImportError: pytest.skip(f'{what} is not installed in this environment')
    return exe, drv

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def copy_notebook(name: str, root: Path) -> int:
    "Copy nbs/`name` into `root` (with a kernelspec, so no kernel picker asks); returns its number of saved PNGs."
    nb = json.loads((NBS / name).read_text(encoding='utf-8'))
    nb['metadata']['kernelspec'] = {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}
    (root / name).write_text(json.dumps(nb), encoding='utf-8')
    return sum('image/png' in o.get('data', {}) for c in nb['cells'] for o in c.get('outputs', []))

def write_settings(d: Path):
    "JupyterLab user settings for the run: every cell rendered (no windowing), no news or update pop-ups."
    for plugin, value in (('notebook-extension/tracker', {'windowingMode': 'none'}),
                          ('apputils-extension/notification', {'fetchNews': 'false', 'checkForUpdates': False})):
        f = d / '@jupyterlab' / f'{plugin}.jupyterlab-settings'
        f.parent.mkdir(parents=True, exist_ok=True); f.write_text(json.dumps(value))

@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    "A JupyterLab server on the loopback address: (base url, token, the saved PNGs per notebook)."
    needs()
    root, cfg = tmp_path_factory.mktemp('lab_root'), tmp_path_factory.mktemp('lab_cfg')
    pngs = {name: copy_notebook(name, root) for name in (EXPLORER, SAVED)}
    write_settings(cfg / 'settings')
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != 'MPLBACKEND'}   # as a user's JupyterLab: the kernel's own backend
    env |= {'JUPYTER_RUNTIME_DIR': str(cfg / 'runtime'), 'JUPYTER_CONFIG_DIR': str(cfg / 'config'),
            'JUPYTERLAB_SETTINGS_DIR': str(cfg / 'settings'), 'JUPYTERLAB_WORKSPACES_DIR': str(cfg / 'workspaces')}
    log = open(cfg / 'lab.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}', '--LabApp.extension_manager=readonly']
                            + (['--allow-root'] if hasattr(os, 'geteuid') and os.geteuid() == 0 else []),   # CI runs as root
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    url = f'http://127.0.0.1:{port}'
    try:
        for _ in range(120):
            if proc.poll() is not None: pytest.fail(f'JupyterLab exited ({proc.returncode}):\n{(cfg / "lab.log").read_text()[-3000:]}')
            try:
                with urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2): break
            except OSError: time.sleep(0.5)
        else: pytest.fail(f'JupyterLab did not answer on {url} within 60 s:\n{(cfg / "lab.log").read_text()[-3000:]}')
        yield url, token, pngs
    finally:
        try: urllib.request.urlopen(urllib.request.Request(f'{url}/api/shutdown?token={token}', method='POST'), timeout=10)
        except OSError: pass
        try: proc.wait(20)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()
        log.close()

@pytest.fixture(scope='module')
def browser(lab):
    exe, drv = needs()
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions(); opts.binary_location = exe
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1400,1000'):
        opts.add_argument(a)
    try: d = webdriver.Chrome(service=Service(executable_path=drv), options=opts)
    except WebDriverException as e: pytest.skip(f'{drv} could not start {exe}: {str(e).splitlines()[0]}')
    yield d
    d.quit()

NB = '.jp-NotebookPanel:not(.lm-mod-hidden) '   # the notebook in front (JupyterLab restores earlier tabs behind it)
LOADED_IMAGES = """return [...document.querySelectorAll(arguments[0])]
  .filter(i => i.complete && i.naturalWidth > 0).map(i => i.src.length + ':' + i.src.slice(-80));"""
PROMPTS = "return [...document.querySelectorAll('" + NB + ".jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());"
ERRORS = """return [...document.querySelectorAll('.jp-OutputArea-output:not(:has(.jp-OutputArea-output))')].map(o => o.textContent)"""

def wait_for(what: str, fn, timeout: float, every: float = 0.5):
    "Poll `fn` until it returns something truthy; fail naming `what` (and the last value) after `timeout` seconds."
    end, last = time.time() + timeout, None
    while time.time() < end:
        last = fn()
        if last: return last
        time.sleep(every)
    pytest.fail(f'timed out after {timeout:.0f} s waiting for {what} (last: {str(last)[:300]})')

def open_notebook(d, lab, name):
    url, token, _ = lab
    d.get(f'{url}/lab/tree/{name}?token={token}')
    wait_for(f'{name} to open', lambda: d.execute_script(PROMPTS), 60)
    wait_for(f"{name}'s kernel to be idle", lambda: d.execute_script(
        "const s = document.querySelector('.jp-Notebook-ExecutionIndicator'); return s && s.getAttribute('data-status') === 'idle';"), 60)

def run_menu(d, menu: str, command: str):
    from selenium.webdriver.common.by import By
    bar = wait_for(f'the {menu} menu', lambda: [m for m in d.find_elements(By.CSS_SELECTOR, '.lm-MenuBar-item') if m.text.strip() == menu], 20)
    bar[0].click()
    wait_for(f'the menu item {command}', lambda: d.find_elements(By.CSS_SELECTOR, f'.lm-Menu-item[data-command="{command}"]'), 10)[0].click()

def shown_errors(d) -> list[str]:
    "The text of every innermost output area (the widgets' own included) that shows an error."
    return [t[-1000:] for t in d.execute_script(ERRORS) if ERROR_TEXT.search(t)]

@pytest.mark.xdist_group('jupyterlab')   # one server and one browser for both tests
def test_explorer_draws_and_redraws_in_jupyterlab(lab, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    d, t0 = browser, time.time()
    open_notebook(d, lab, EXPLORER)
    saved = wait_for('the saved picture of the panel', lambda: d.execute_script(LOADED_IMAGES, NB + '.jp-OutputArea-output img'), 30)
    assert len(saved) == lab[2][EXPLORER] >= 1, saved          # unexecuted, the notebook shows its static picture
    run_menu(d, 'Run', 'runmenu:run-all')   # Run > Run All Cells
    wait_for('Run All to finish', lambda: (p := d.execute_script(PROMPTS)) and all(re.fullmatch(r'\[\d+\]:', x) for x in p), 150)
    assert not shown_errors(d), shown_errors(d)
    panel = f'{NB}.widget-output img, {NB}.jupyter-widgets-output-area img'
    first = wait_for("the picture in the panel's output area", lambda: d.execute_script(LOADED_IMAGES, panel), 30)
    assert len(first) == 1, first
    dropdowns = d.find_elements(By.CSS_SELECTOR, NB + '.widget-dropdown select')
    assert len(dropdowns) >= 2, 'the class pickers are missing'
    Select(dropdowns[0]).select_by_visible_text('church bell ringing')
    def redrawn():
        if errors := shown_errors(d): pytest.fail(f'the redraw failed: {errors}')
        return (s := d.execute_script(LOADED_IMAGES, panel)) and s != first and s
    again = wait_for('the picture to redraw', redrawn, 60)
    assert len(again) == 1 and again != first
    assert not shown_errors(d), shown_errors(d)               # the panel's output area holds a picture, no traceback
    print(f'explorer in JupyterLab: opened, ran, drew and redrew in {time.time() - t0:.0f} s')

@pytest.mark.xdist_group('jupyterlab')
def test_saved_figures_display_in_jupyterlab(lab, browser):
    d = browser
    open_notebook(d, lab, SAVED)
    want = lab[2][SAVED]
    assert want >= 1, f'{SAVED} carries no saved figure'
    shown = wait_for(f'{want} saved figure(s) to display', lambda: (s := d.execute_script(LOADED_IMAGES, NB + '.jp-OutputArea-output img'))
                     and len(s) >= want and s, 30)
    assert len(shown) == want, shown
    assert not shown_errors(d), shown_errors(d)
