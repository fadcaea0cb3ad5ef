# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo seen in the web client.

Builds the demo database (SQLite) with trytond-admin and scripts/demo.py,
serves it with trytond and the web client (sao), logs in with Debian's
chromium driven by playwright and checks the funding of LOOT in the list
of resources.  The screenshot is kept in <artefacts>/browser/.

Environment: COMMONS_SAO_ROOT (default var/sao), COMMONS_CHROMIUM (default
/usr/bin/chromium), COMMONS_ARTEFACTS (default artefacts/).  Without
chromium or sao the test is skipped, unless CI=true where it fails.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The demo has every module of the repository, as scripts/demo.sh does
DEMO_MODULES = sorted(
    p.parent.name for p in (ROOT / 'modules').glob('*/tryton.cfg'))
DATABASE = 'commons_demo'
CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync',
    ]
# The venv's scripts are beside its python (not resolved: it is a link)
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.browser


def _ci():
    return os.environ.get('CI', '').lower() in {'true', '1', 'yes'}


def _missing(reason):
    "Skip, or fail on CI where every tool must be there"
    if _ci():
        pytest.fail("%s (CI=true: the browser test must run)" % reason)
    pytest.skip(reason)


def _tail(path, lines=40):
    try:
        return '\n'.join(
            Path(path).read_text(errors='replace').splitlines()[-lines:])
    except OSError:
        return ''


def _run(args, log, env, what):
    started = time.monotonic()
    with open(log, 'ab') as fp:
        process = subprocess.run(
            args, stdout=fp, stderr=subprocess.STDOUT, env=env, timeout=300)
        fp.write(b"== %s: %.1f s\n" % (
                what.encode(), time.monotonic() - started))
    if process.returncode:
        pytest.fail("%s failed (exit status %s):\n%s" % (
                what, process.returncode, _tail(log)))


@pytest.fixture(scope='session')
def browser_tools():
    uri = os.environ.get('TRYTOND_DATABASE_URI', 'sqlite://')
    if not uri.startswith('sqlite'):
        pytest.skip("browser test runs on the SQLite demo")
    sao_root = Path(os.environ.get('COMMONS_SAO_ROOT') or ROOT / 'var' / 'sao')
    chromium = Path(os.environ.get('COMMONS_CHROMIUM') or '/usr/bin/chromium')
    if not (sao_root / 'index.html').is_file():
        _missing("the web client is not installed in %s "
            "(scripts/setup.sh installs it, or set COMMONS_SAO_ROOT)"
            % sao_root)
    if not os.access(chromium, os.X_OK):
        _missing("%s is missing (apt-get install chromium, "
            "or set COMMONS_CHROMIUM)" % chromium)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the playwright Python package is not installed")
    for script in ['trytond', 'trytond-admin']:
        if not (BIN / script).exists():
            pytest.fail("%s is not beside %s" % (script, sys.executable))
    return sao_root, chromium


@pytest.fixture(scope='session')
def artefacts():
    path = Path(os.environ.get('COMMONS_ARTEFACTS') or ROOT / 'artefacts')
    path = path / 'browser'
    path.mkdir(parents=True, exist_ok=True)
    return path


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='session')
def demo_server(browser_tools, artefacts, tmp_path_factory):
    "The demo database served with the web client: its URL"
    sao_root, _ = browser_tools
    folder = tmp_path_factory.mktemp('browser-demo')
    (folder / 'db').mkdir()
    port = _free_port()
    config = folder / 'trytond.conf'
    config.write_text(
        "[database]\n"
        "uri = sqlite://\n"
        "path = %s\n"
        "language = en\n"
        "\n"
        "[web]\n"
        "listen = 127.0.0.1:%s\n"
        "root = %s\n" % (folder / 'db', port, sao_root))
    passfile = folder / 'password'
    passfile.write_text('admin\n')
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_') and k not in {'DB_NAME'}}
    env['TRYTONPASSFILE'] = str(passfile)
    log = artefacts / 'demo-build.log'
    log.write_text('')

    (folder / 'db' / ('%s.sqlite' % DATABASE)).touch()
    _run([
            str(BIN / 'trytond-admin'), '-c', str(config), '-d', DATABASE,
            '--all', '--activate-dependencies',
            '-u', *DEMO_MODULES, 'account_fr',
            '--email', 'admin@example.org',
            ], log, env, "trytond-admin")
    _run([
            sys.executable, str(ROOT / 'scripts' / 'demo.py'),
            '-c', str(config), '-d', DATABASE,
            ], log, env, "scripts/demo.py")

    server_log = artefacts / 'trytond.log'
    url = 'http://127.0.0.1:%s/' % port
    with open(server_log, 'wb') as fp:
        # -d loads the database's pool at start: a first login on a pool
        # not loaded yet fails with KeyError 'res.user' on trytond 8.0.
        server = subprocess.Popen(
            [str(BIN / 'trytond'), '-c', str(config), '-d', DATABASE],
            stdout=fp, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail("trytond stopped (exit status %s):\n%s" % (
                        server.returncode, _tail(server_log)))
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("trytond does not answer at %s:\n%s" % (
                        url, _tail(server_log)))
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def page(browser_tools, artefacts):
    from playwright.sync_api import sync_playwright
    _, chromium = browser_tools
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={'width': 1920, 'height': 900})
            page.set_default_timeout(20000)
            yield page
        finally:
            browser.close()


def _login(page, url, login='admin', password='admin'):
    page.goto(url)
    # sao asks the user name, then the password in a second dialog
    page.fill('#login', login)
    page.click('button[type=submit]')
    page.fill('#ask-dialog-entry', password)
    page.click('button[title="OK"]')
    page.locator('#menu .column-char[title="Commons"]').wait_for()


def _open_menu(page, *path):
    menu = page.locator('#menu')
    for name in path[:-1]:
        row = menu.locator(
            'tr', has=page.locator('.column-char[title="%s"]' % name))
        row.locator('.expander').click()
    menu.locator('.column-char[title="%s"]' % path[-1]).click()


def test_resources_show_loot_coverage(demo_server, page, artefacts):
    from playwright.sync_api import expect
    screenshot = artefacts / 'resources.png'
    try:
        _login(page, demo_server)
        _open_menu(page, "Commons", "Resources")
        tab = page.locator('#tabcontent')
        loot = tab.locator('tr', has=page.locator('text="Logiciel LOOT"'))
        expect(loot).to_have_count(1)

        # The list shows the current year: look at 2023, the year of the
        # seed when LOOT's funding was closed.
        fiscalyear = tab.locator('input[name="fiscalyear"]')
        fiscalyear.fill('')
        fiscalyear.press_sequentially('2023', delay=20)
        tab.locator('.dropdown-completion li', has_text='2023').first.click()
        expect(fiscalyear).to_have_value('2023')
        tab.locator('button[title="Reload/Undo"]').click()

        # need, pledged, received, gap and the coverage bar
        expect(loot).to_contain_text('100.00%')
        cells = [c.strip() for c in loot.inner_text().split('\n')
            if c.strip() and c.strip() != '€']
        assert cells == [
            'LOOT', 'Logiciel LOOT',
            '5,600.00', '5,600.00', '5,600.00', '0.00', '100.00%'], cells
        dokos = tab.locator('tr', has=page.locator('text="DOKOS"'))
        expect(dokos).to_contain_text('0.00%')
    finally:
        page.screenshot(path=str(screenshot))


def _odt_text(path):
    import re
    import zipfile
    with zipfile.ZipFile(path) as odt:
        xml = odt.read('content.xml').decode('utf-8')
    return re.sub(r'<[^>]+>', ' ', xml)


def _print(page, action, path):
    "Print the selected record with the action and save the download"
    tab = page.locator('#tabcontent')
    tab.locator('button[title="Print report"]').click()
    item = page.locator('.dropdown-menu a', has_text=action).filter(
        has_text=re.compile(r'^\s*%s\s*$' % re.escape(action)))
    # sao clicks the link of its download dialog itself
    with page.expect_download(timeout=180000) as download:
        item.click()
    download.value.save_as(str(path))
    return path


def test_resource_funding_statement(demo_server, page, artefacts):
    "The funding analysis, its graph and LOOT's statement in the web client"
    from playwright.sync_api import expect
    if not shutil.which('soffice') or not shutil.which('pdftoppm'):
        _missing("LibreOffice (soffice) and poppler (pdftoppm) are needed "
            "to print the PDF (scripts/setup.sh --test installs them)")
    try:
        _login(page, demo_server)
        _open_menu(page, "Commons", "Reporting", "Analysis",
            "Resource Funding")
        tab = page.locator('#tabcontent')
        fiscalyear = tab.locator('input[name="fiscalyear"]')
        fiscalyear.fill('')
        fiscalyear.press_sequentially('2023', delay=20)
        tab.locator('.dropdown-completion li', has_text='2023').first.click()
        expect(fiscalyear).to_have_value('2023')
        tab.locator('button[title="Reload/Undo"]').click()

        loot = tab.locator(
            'tr', has=page.locator('text="[LOOT] Logiciel LOOT"'))
        expect(loot).to_have_count(1)
        expect(loot).to_contain_text('5,600.00')
        expect(loot).to_contain_text('100.00%')
        page.screenshot(path=str(artefacts / 'resource-funding.png'))

        tab.locator('button[title="Switch"]').click()
        expect(tab.locator('.graph svg').first).to_be_visible()
        page.screenshot(path=str(artefacts / 'resource-funding-graph.png'))
        tab.locator('button[title="Switch"]').click()

        loot.locator('td').nth(2).click()
        odt = _print(page, "Funding Statement",
            artefacts / 'loot-funding-statement.odt')
        text = _odt_text(odt)
        assert 'LOOT' in text
        assert '5,600.00' in text or '5 600,00' in text, text[:2000]

        pdf = _print(page, "Funding Statement (PDF)",
            artefacts / 'loot-funding-statement.pdf')
        assert pdf.read_bytes().startswith(b'%PDF')
        prefix = artefacts / 'loot-funding-statement'
        subprocess.run(
            ['pdftoppm', '-png', '-r', '80', '-f', '1', '-l', '1',
                '-singlefile', str(pdf), str(prefix)],
            check=True, timeout=120)
        assert (artefacts / 'loot-funding-statement.png').stat().st_size
    finally:
        page.screenshot(path=str(artefacts / 'resource-funding-last.png'))
