# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo seen in the web client.

The demo database of tests/conftest.py (SQLite), served with the web client
(sao); Debian's chromium driven by playwright logs in as the admin and as
the steward of LOOT.  The screenshots are kept in <artefacts>/browser/.

Environment: COMMONS_SAO_ROOT (default var/sao), COMMONS_CHROMIUM (default
/usr/bin/chromium), COMMONS_ARTEFACTS (default artefacts/).  Without
chromium or sao the test is skipped, unless CI=true where it fails.
"""
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import BACKEND, ROOT, ci

sys.path.insert(0, str(ROOT / 'scripts'))
import demo_data  # noqa: E402

CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync',
    ]

pytestmark = pytest.mark.browser


def _missing(reason):
    "Skip, or fail on CI where every tool must be there"
    if ci():
        pytest.fail("%s (CI=true: the browser test must run)" % reason)
    pytest.skip(reason)


@pytest.fixture(scope='session')
def browser_tools():
    if BACKEND != 'sqlite':
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
    return sao_root, chromium


@pytest.fixture(scope='session')
def browser(artefacts):
    path = artefacts / 'browser'
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope='session')
def served(browser_tools, demo_server):
    "The URL of the demo served with the web client"
    return demo_server.url


@pytest.fixture
def page(browser_tools):
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


def test_resources_show_loot_coverage(served, page, browser):
    from playwright.sync_api import expect
    screenshot = browser / 'resources.png'
    try:
        _login(page, served)
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

        # need, pledged, allocated, the host's share, recognised,
        # received, gap and the coverage bars (recognised, received)
        expect(loot).to_contain_text('100.00%')
        cells = [c.strip() for c in loot.inner_text().split('\n')
            if c.strip() and c.strip() != '€']
        assert cells == [
            'LOOT', 'Logiciel LOOT',
            '5,600.00', '4,460.00', '0.00', '1,140.00', '4,460.00',
            '4,460.00', '0.00', '100.00%', '100.00%'], cells
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


def test_resource_funding_statement(served, page, browser):
    "The funding analysis, its graph and LOOT's statement in the web client"
    from playwright.sync_api import expect
    if not shutil.which('soffice') or not shutil.which('pdftoppm'):
        _missing("LibreOffice (soffice) and poppler (pdftoppm) are needed "
            "to print the PDF (scripts/setup.sh --test installs them)")
    try:
        _login(page, served)
        _open_menu(page, "Commons", "Reporting", "Analysis",
            "Resource Funding")
        tab = page.locator('#tabcontent')
        # Once the list is loaded, sao moves the focus to its search entry:
        # typing in the context before would lose the end of the text
        expect(tab.locator(
                'tr', has=page.locator('text="[LOOT] Logiciel LOOT"')
                ).first).to_be_visible()
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
        page.screenshot(path=str(browser / 'resource-funding.png'))

        tab.locator('button[title="Switch"]').click()
        expect(tab.locator('.graph svg').first).to_be_visible()
        page.screenshot(path=str(browser / 'resource-funding-graph.png'))
        tab.locator('button[title="Switch"]').click()

        loot.locator('td').nth(2).click()
        odt = _print(page, "Funding Statement",
            browser / 'loot-funding-statement.odt')
        text = _odt_text(odt)
        assert 'LOOT' in text
        assert '5,600.00' in text or '5 600,00' in text, text[:2000]

        pdf = _print(page, "Funding Statement (PDF)",
            browser / 'loot-funding-statement.pdf')
        assert pdf.read_bytes().startswith(b'%PDF')
        prefix = browser / 'loot-funding-statement'
        subprocess.run(
            ['pdftoppm', '-png', '-r', '80', '-f', '1', '-l', '1',
                '-singlefile', str(pdf), str(prefix)],
            check=True, timeout=120)
        assert (browser / 'loot-funding-statement.png').stat().st_size
    finally:
        page.screenshot(path=str(browser / 'resource-funding-last.png'))


def test_steward_approves_spending(demo_server, served, page, browser):
    """The steward of LOOT, with the steward group only, approves a line of
    spending from their list; the accountant then posts the invoice"""
    from playwright.sync_api import expect
    from demo_rpc import make_users, supplier_invoices
    admin = demo_server.client('admin', 'admin')
    accountant = demo_server.client(
        *make_users(admin, 'accountant', "Accounting", [None])[0])
    fund, = admin.model('commons.fund', 'search', [
            ('code', '=', demo_data.STEWARD_USER['resource'])], 0, 1, None)
    (invoice, line), = supplier_invoices(admin, fund, Decimal('120'), 1)
    admin.model('account.invoice.line', 'write', [line], {
            'description': "Browser test hosting",
            })
    try:
        _login(page, served, demo_data.STEWARD_USER['login'],
            demo_data.STEWARD_USER['password'])
        _open_menu(page, "Commons", "Spending to Approve")
        tab = page.locator('#tabcontent')
        row = tab.locator(
            'tr', has=page.locator('text="Browser test hosting"'))
        expect(row).to_have_count(1)
        expect(row).to_contain_text('120.00')
        page.screenshot(path=str(browser / 'spending-to-approve.png'))
        # sao runs a row's button for the current record only
        row.locator('td', has_text="Browser test hosting").click()
        row.locator('button', has_text="Approve").click()
        expect(row.locator('button', has_text="Approve")).to_be_hidden()
        page.screenshot(path=str(browser / 'spending-approved.png'))
    finally:
        page.screenshot(path=str(browser / 'spending-last.png'))
    line, = admin.model('account.invoice.line', 'read', [line], [
            'commons_approved_by.login', 'commons_approval_source'])
    assert line['commons_approved_by.']['login'] == (
        demo_data.STEWARD_USER['login'])
    assert line['commons_approval_source'] == 'steward'
    accountant.model('account.invoice', 'post', [invoice])
    state, = admin.model('account.invoice', 'read', [invoice], ['state'])
    assert state['state'] == 'posted'
    expense, = admin.model('commons.fund.line', 'search_read', [
            ('origin', '=', 'account.invoice.line,%s' % line['id'])],
        0, None, None, ['kind', 'amount', 'fund'])
    assert (expense['kind'], expense['amount'], expense['fund']) == (
        'expense', Decimal('-120.00'), fund)


def test_tax_receipts(served, page, browser):
    "The accountant finds the demo's tax receipts, prints one and the total"
    from playwright.sync_api import expect
    donor = "Fabrique Monscobar"
    try:
        _login(page, served)
        menu = page.locator('#menu')
        for name in ["Commons", "Tax Receipts"]:
            menu.locator('tr', has=page.locator(
                    '.column-char[title="%s"]' % name)).first.locator(
                '.expander').click()
        # The list is named as its folder
        menu.locator('.column-char[title="Tax Receipts"]').nth(1).click()
        tab = page.locator('#tabcontent')
        tab.locator('.nav-tabs a', has_text="Issued").click()
        rows = tab.locator('tr', has=page.locator('text="%s"' % donor))
        expect(rows.first).to_be_visible()
        expect(rows.first).to_contain_text('3,000.00')
        page.screenshot(path=str(browser / 'tax-receipts.png'))
        rows.first.locator('td', has_text=donor).click()
        odt = _print(page, "Tax Receipt", browser / 'tax-receipt.odt')
        text = _odt_text(odt)
        assert '16216' in text, text[:2000]
        assert 'trois mille euros' in text, text[:2000]

        page.locator(
            '#menu .column-char[title="Tax Receipts by Year"]').click()
        # The year of issue: the demo issues its receipts today
        year = page.locator('td', has_text=re.compile(
                r'^\s*%d\s*$' % dt.date.today().year))
        expect(tab.locator('tr', has=year)).to_contain_text('6,500.00')
        page.screenshot(path=str(browser / 'tax-receipts-by-year.png'))
    finally:
        page.screenshot(path=str(browser / 'tax-receipts-last.png'))
