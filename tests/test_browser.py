# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo seen in the web client.

The demo database of tests/conftest.py (SQLite), served with the web client
(sao); Debian's chromium driven by playwright logs in as the admin, as a
French accountant, as the steward of LOOT and as a contributor (both read
French).  The screenshots are kept in <artefacts>/browser/.

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
import demo_rounds  # noqa: E402

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


# How long the client may take to reach the state a test waits for: a
# loaded 2-core machine is slow, not wrong
TIMEOUT = 60000


def _page(browser_tools, **options):
    from playwright.sync_api import expect, sync_playwright
    _, chromium = browser_tools
    expect.set_options(timeout=TIMEOUT)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(**options)
            page.set_default_timeout(TIMEOUT)
            yield page
        finally:
            browser.close()


@pytest.fixture
def page(browser_tools):
    yield from _page(browser_tools, viewport={'width': 1920, 'height': 900})


@pytest.fixture
def french_page(browser_tools):
    "A French browser on a 1600 px wide screen"
    yield from _page(browser_tools, viewport={'width': 1600, 'height': 900},
        locale='fr-FR')


def _login(page, url, login='admin', password='admin', menu="Commons"):
    page.goto(url)
    # sao asks the user name, then the password in a second dialog
    page.fill('#login', login)
    page.click('button[type=submit]')
    page.fill('#ask-dialog-entry', password)
    # The button is titled in the browser's language
    page.locator('button[title="OK"], button[title="Valider"]').first.click()
    page.locator('#menu .column-char[title="%s"]' % menu).wait_for()


def _open_menu(page, *path):
    menu = page.locator('#menu')
    for name, child in zip(path[:-1], path[1:]):
        child = menu.locator('.column-char[title="%s"]' % child).first
        if child.is_visible():
            continue
        row = menu.locator(
            'tr', has=page.locator('.column-char[title="%s"]' % name)).first
        row.locator('.expander').click()
        child.wait_for()
    menu.locator('.column-char[title="%s"]' % path[-1]).first.click()


def _clipped(locator):
    "The texts of the elements cut by their box"
    return locator.evaluate_all(
        """elements => elements.filter(
            e => e.offsetParent && e.scrollWidth > e.clientWidth + 1
        ).map(e => e.textContent.trim())""")


def _off_screen(page, locator):
    "The texts of the elements that end beyond the right of the window"
    width = page.viewport_size['width']
    return locator.evaluate_all(
        """(elements, width) => elements.filter(e => {
            const box = e.getBoundingClientRect();
            return box.width && box.right > width;
        }).map(e => e.textContent.trim())""", width)


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

        # need, recognised, received, gap and the coverage bars
        # (recognised, received); what was pledged and allocated and the
        # host's share (1,140.00 of LOOT's need) are optional columns, as
        # in the list of the funds
        expect(loot).to_contain_text('100.00%')
        cells = [c.strip() for c in loot.inner_text().split('\n')
            if c.strip() and c.strip() != '€']
        assert cells == [
            'LOOT', 'Logiciel LOOT',
            '5,600.00', '4,460.00', '4,460.00', '0.00',
            '100.00%', '100.00%'], cells
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

        loot.locator('td', has_text='5,600.00').first.click()
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
    """The steward of LOOT, with the steward group only, reads the client in
    French with French formats and approves a line of spending from their
    list; the accountant then posts the invoice"""
    from demo_rpc import make_users, supplier_invoices
    from playwright.sync_api import expect
    admin = demo_server.client('admin', 'admin')
    accountant = demo_server.client(
        *make_users(admin, 'accountant', "Accounting", [None])[0])
    fund, = admin.model('commons.fund', 'search', [
            ('code', '=', demo_data.STEWARD_USER['resource'])], 0, 1, None)
    (invoice, line), = supplier_invoices(admin, fund, Decimal('120'), 1)
    admin.model('account.invoice.line', 'write', [line], {
            'description': "Browser test hosting",
            })
    invoice_date, = admin.model('account.invoice', 'read', [invoice], [
            'invoice_date'])
    try:
        # The demo's steward was created by the French host: French it is
        _login(page, served, demo_data.STEWARD_USER['login'],
            demo_data.STEWARD_USER['password'], menu="Communs")
        _open_menu(page, "Communs", "Dépenses à approuver")
        tab = page.locator('#tabcontent')
        row = tab.locator(
            'tr', has=page.locator('text="Browser test hosting"'))
        expect(row).to_have_count(1)
        # French formats: 120,00 and dd/mm/yyyy
        expect(row).to_contain_text('120,00')
        expect(row).to_contain_text(
            invoice_date['invoice_date'].strftime('%d/%m/%Y'))
        page.screenshot(path=str(browser / 'spending-to-approve.png'))
        # sao runs a row's button for the current record only
        row.locator('td', has_text="Browser test hosting").click()
        row.locator('button', has_text="Approuver").click()
        expect(row.locator('button', has_text="Approuver")).to_be_hidden()
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


@pytest.fixture(scope='module')
def french_accountant(demo_server):
    """A French user of the commons administration, of the accounting and
    of the payments, as doc/payments.rst of commons_fund says"""
    from demo_rpc import group_id, make_users
    admin = demo_server.client('admin', 'admin')
    (login, password), = make_users(
        admin, 'compta', "Commons Administration", [None])
    user, = admin.model('res.user', 'search', [
            ('login', '=', login)], 0, 1, None)
    french, = admin.model('ir.lang', 'search', [
            ('code', '=', 'fr')], 0, 1, None)
    admin.model('res.user', 'write', [user], {
            'language': french,
            'groups': [('add', [
                        group_id(admin, name) for name in [
                            "Accounting", "Payment", "Payment Approval"]])],
            })
    return login, password


def test_screens_french_accountant(
        served, french_page, browser, french_accountant):
    "The main screens of the accountant at 1600 px with the menu open"
    from playwright.sync_api import expect
    page = french_page
    tab = page.locator('#tabcontent')
    try:
        _login(page, served, *french_accountant, menu="Communs")

        # The funds: every key column on screen
        _open_menu(page, "Communs", "Fonds")
        headers = tab.locator('thead th:visible')
        expect(headers.filter(has_text="Disponible").first).to_be_visible()
        loot = tab.locator('tbody tr:visible', has_text="Fonds Logiciel LOOT")
        expect(loot).to_have_count(1)
        page.screenshot(path=str(browser / 'fr-funds.png'))
        for name in ["Code", "Nom", "Acquis", "Encaissé", "Dépensé",
                "Disponible"]:
            expect(headers.filter(has_text=name).first).to_be_visible()
        assert not _off_screen(page, headers), _off_screen(page, headers)

        # The resources: the need, what covers it and the coverage
        _open_menu(page, "Communs", "Ressources")
        headers = tab.locator('thead th:visible')
        expect(headers.filter(has_text="Couverture (encaissé)").first
            ).to_be_visible()
        expect(tab.locator('tbody tr:visible', has_text="Logiciel LOOT")
            ).to_have_count(1)
        page.screenshot(path=str(browser / 'fr-resources.png'))
        for name in ["Code", "Nom", "Besoin", "Acquis", "Encaissé",
                "Reste à financer", "Couverture (acquis)"]:
            expect(headers.filter(has_text=name).first).to_be_visible()
        assert not _off_screen(page, headers), _off_screen(page, headers)
        labels = tab.locator('thead th:visible label')
        assert not _clipped(labels), _clipped(labels)

        # The funding of the resources: the coverage on screen
        _open_menu(page, "Communs", "Rapports", "Analyses",
            "Financement des ressources")
        # The list of the new tab is shown once its own header is
        headers = tab.locator('thead th:visible')
        expect(headers.filter(has_text="Couverture").first).to_be_visible()
        expect(tab.locator('tbody tr:visible', has_text="[LOOT] Logiciel LOOT")
            ).to_have_count(1)
        page.screenshot(path=str(browser / 'fr-resource-funding.png'))
        assert not _off_screen(page, headers), _off_screen(page, headers)

        # The configuration: its labels whole, its fields on screen
        _open_menu(page, "Communs", "Configuration",
            "Configuration des communs")
        expect(tab.locator('input[name="default_host_fee_rate"]').first
            ).to_be_visible()
        page.screenshot(path=str(browser / 'fr-configuration.png'))
        labels = tab.locator('label:visible')
        assert not _off_screen(page, labels), _off_screen(page, labels)
        fields = tab.locator('.form-entry:visible, .form-many2one:visible')
        assert not _off_screen(page, fields), _off_screen(page, fields)

        # The request of payment of a pledge: labels whole, amounts in
        # French with their currency
        _open_menu(page, "Communs", "Engagements de financement")
        tab.locator('a[role="tab"]:visible', has_text="Tous").first.click()
        pledge = tab.locator('tbody tr:visible', has_text="CAE OPTEOS").filter(
            has_text="2 500,00").filter(has_text="Confirmé").first
        pledge.locator('td').nth(2).dblclick()
        # The form shows the pledge once it is read: a button clicked
        # before validates an empty record
        expect(tab.locator('input[name="amount"]:visible').first
            ).to_have_value(re.compile(r'2\s500,00'))
        tab.locator('button[name="request_payment"]').click()
        dialog = page.locator('.modal-dialog:visible')
        amount = dialog.locator('input[name="remaining_amount"]').first
        expect(amount).to_be_visible()
        page.screenshot(path=str(browser / 'fr-request-payment.png'))
        expect(dialog).to_contain_text("Restant")
        expect(dialog).to_contain_text("€")
        labels = dialog.locator('label:visible')
        assert not _clipped(labels), _clipped(labels)
        values = dialog.locator('input:visible').evaluate_all(
            "inputs => inputs.map(i => i.value)")
        assert any(re.fullmatch(r'2\s500,00', v) for v in values), values
        dialog.locator('button', has_text=re.compile("Annuler", re.I)
            ).first.click()
        expect(dialog).to_have_count(0)
    finally:
        page.screenshot(path=str(browser / 'fr-accountant-last.png'))


def _wait_tab(page, title):
    "Wait for the tab of title to be the current one"
    from playwright.sync_api import expect
    expect(page.locator('#tablist li.active', has_text=title)).to_be_visible()


def test_accountant_bank_and_payments(
        demo_server, served, french_page, browser, french_accountant):
    """The French accountant's day at 1600 px: the demo's bank statements,
    matched and posted, with the bank's fees left to her; the SEPA transfer
    of a contributor and its pain.001 message; the tax receipts issued"""
    from playwright.sync_api import expect
    page = french_page
    menu = page.locator('#menu')
    tab = page.locator('#tabcontent')
    admin = demo_server.client('admin', 'admin')
    # The group of the transfer to Alice Durand for her invoice of 2023
    payment, = admin.model('account.payment', 'search_read', [
            ('party.name', '=', "Alice Durand"),
            ('amount', '=', Decimal('400')),
            ], 0, None, None, ['group.number'])
    group = payment['group.']['number']
    try:
        _login(page, served, *french_accountant, menu="Communs")

        # The statements of March and April, imported and posted
        _open_menu(page, "Financier", "Relevés")
        expect(menu.locator('.column-char[title="Importer un relevé"]')
            ).to_be_visible()
        # The list is named as its folder
        menu.locator('.column-char[title="Relevés"]:visible').nth(1).click()
        _wait_tab(page, "Relevés")
        tab.locator('a[role="tab"]:visible', has_text="Tous").first.click()
        statements = tab.locator('tbody tr:visible', has_text="Banque ANIS")
        expect(statements).to_have_count(2)
        for name in ["ANIS-2023-03", "ANIS-2023-04"]:
            expect(statements.filter(has_text=name)).to_contain_text(
                "Comptabilisé")
        page.screenshot(path=str(browser / 'fr-statements.png'))
        headers = tab.locator('thead th:visible')
        assert not _off_screen(page, headers), _off_screen(page, headers)

        # March: the sponsorship of the Fabrique Monscobar pays its call
        # for funds; the bank's fees, which nothing pays, were entered by
        # hand on 6278
        statements.filter(has_text="ANIS-2023-03").locator(
            'td', has_text="ANIS-2023-03").dblclick()
        expect(tab.locator('input[name="name"]:visible').first
            ).to_have_value("ANIS-2023-03")
        form = tab.locator('.form:visible').first
        lines = form.locator('tbody tr:visible')
        paid = lines.filter(has_text="Fabrique Monscobar")
        expect(paid).to_contain_text("APF2023-0001")
        expect(paid).to_contain_text("3 000,00")
        expect(lines.filter(has_text="-4,50")).to_contain_text("6278")
        page.screenshot(path=str(browser / 'fr-statement-lines.png'))
        headers = form.locator('thead th:visible')
        assert not _off_screen(page, headers), _off_screen(page, headers)

        # The bank lines: the fees came from no known party
        form.locator('.nav-tabs a:visible', has_text="Origines").first.click()
        origins = form.locator('tbody tr:visible')
        fees = origins.filter(has_text="-4,50")
        expect(fees).to_contain_text("Tiers inconnu")
        expect(fees).to_contain_text("VIR SEPA EMIS CREDIT")
        expect(origins.filter(has_text="Fabrique Monscobar")
            ).to_contain_text("3 000,00")
        headers = form.locator('thead th:visible')
        for name in ["Montant en attente", "Non rapprochée", "Motif",
                "Tiers", "Description"]:
            expect(headers.filter(has_text=name).first).to_be_visible()
        page.screenshot(path=str(browser / 'fr-statements-origins.png'))
        assert not _off_screen(page, headers), _off_screen(page, headers)
        labels = headers.locator('label')
        assert not _clipped(labels), _clipped(labels)

        # What is due, to pay by transfer: the demo has paid everything
        _open_menu(page, "Financier", "Paiements", "Lignes à payer")
        _wait_tab(page, "Lignes à payer")
        expect(tab.locator('a[role="tab"]:visible', has_text="À payer")
            ).to_be_visible()
        expect(tab.locator('thead th:visible', has_text="Date d'échéance")
            ).to_be_visible()

        # The transfer to Alice Durand for her invoice of LOOT 2023
        _open_menu(page, "Financier", "Paiements", "Paiements à payer")
        for name in ["Groupes de paiements", "Messages SEPA"]:
            expect(menu.locator('.column-char[title="%s"]' % name)
                ).to_be_visible()
        _wait_tab(page, "Paiements à payer")
        tab.locator('a[role="tab"]:visible', has_text="Tous").first.click()
        payments = tab.locator('tbody tr:visible', has_text="Alice Durand")
        expect(payments.filter(has_text="400,00")).to_have_count(1)
        page.screenshot(path=str(browser / 'fr-payments.png'))

        # Its group and the pain.001 message the bank takes
        _open_menu(page, "Financier", "Paiements", "Groupes de paiements")
        _wait_tab(page, "Groupes de paiements")
        tab.locator('a[role="tab"]:visible', has_text="Tous").first.click()
        number = tab.locator('tbody tr:visible td[data-title^="Numéro"]',
            has_text=re.compile(r'^\s*%s\s*$' % re.escape(group)))
        expect(number).to_have_count(1)
        number.dblclick()
        form = tab.locator('.form:visible').first
        message = form.locator('tbody tr:visible', has_text="Sortant")
        expect(message).to_have_count(1)
        page.screenshot(path=str(browser / 'fr-payment-group.png'))
        with page.expect_download() as download:
            message.locator('button').first.click()
        path = browser / 'fr-payment-group.xml'
        download.value.save_as(str(path))
        xml = path.read_text()
        assert 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03' in xml
        assert '<Nm>Alice Durand</Nm>' in xml, xml
        assert '<InstdAmt Ccy="EUR">400.00</InstdAmt>' in xml, xml

        # The tax receipts issued to the donors
        _open_menu(page, "Communs", "Reçus fiscaux")
        menu.locator('.column-char[title="Reçus fiscaux"]:visible').nth(1
            ).click()
        _wait_tab(page, "Reçus fiscaux")
        tab.locator('a[role="tab"]:visible', has_text="Émis").first.click()
        receipts = tab.locator(
            'tbody tr:visible', has_text="Fabrique Monscobar")
        expect(receipts.first).to_be_visible()
        expect(receipts.first).to_contain_text("Art. 238 bis du CGI")
        expect(receipts.first).to_contain_text("3 000,00")
        page.screenshot(path=str(browser / 'fr-tax-receipts.png'))
        headers = tab.locator('thead th:visible')
        assert not _off_screen(page, headers), _off_screen(page, headers)
        cells = tab.locator('tbody td:visible *')
        assert not _clipped(cells), _clipped(cells)
    finally:
        page.screenshot(path=str(browser / 'fr-accountant-bank-last.png'))


@pytest.fixture
def fresh_statement_journal(demo_server):
    "A statement journal of a second account of the host, as in the demo"
    admin = demo_server.client('admin', 'admin')
    company = admin.context['company']
    company_, = admin.model('company.company', 'read', [company], [
            'party', 'currency'])
    account, = admin.model('bank.account', 'create', [{
                'owners': [('add', [company_['party']])],
                'currency': company_['currency'],
                'numbers': [('create', [{
                                'type': 'iban',
                                'number': 'FR7610107001011234567890129',
                                }])],
                }])
    journal, = admin.model('account.journal', 'search', [
            ('code', '=', 'STA')], 0, 1, None)
    bank, = admin.model('commons.configuration', 'read', [1], [
            'bank_account'])
    admin.model('account.statement.journal', 'create', [{
                'name': "Livret ANIS",
                'journal': journal,
                'account': bank['bank_account'],
                'bank_account': account,
                'validation': 'balance',
                'company': company,
                }])
    return 'FR7610107001011234567890129'


def test_accountant_imports_statement(
        served, french_page, browser, french_accountant,
        fresh_statement_journal, tmp_path):
    """The French accountant imports a CAMT.053 file through the wizard of
    the web client: the lines nothing pays wait with their reason"""
    from playwright.sync_api import expect

    from trytond.modules.commons_fund.tests.tools import camt053
    page = french_page
    tab = page.locator('#tabcontent')
    today = dt.date.today()
    path = tmp_path / 'livret.xml'
    path.write_bytes(camt053(
            fresh_statement_journal, 'LIVRET-BROWSER', today, 0, [
                (today, 80, "Dominique Petit",
                    'FR7630006000011234567890189', "DON LOOT"),
                (today, Decimal('-2.50'), "CREDIT COOPERATIF", None,
                    "FRAIS LIVRET"),
                ]))
    try:
        _login(page, served, *french_accountant, menu="Communs")
        _open_menu(page, "Financier", "Relevés", "Importer un relevé")
        dialog = page.locator('.modal-dialog:visible')
        dialog.locator('input[type="file"]').set_input_files(str(path))
        dialog.locator('select[name="file_format"]').select_option(
            label="CAMT.053.001")
        page.screenshot(path=str(browser / 'fr-statement-import.png'))
        dialog.locator('button', has_text=re.compile("Importer", re.I)
            ).first.click()
        expect(dialog).to_have_count(0)

        # The wizard opens the statement it made, a draft
        _wait_tab(page, "Relevés")
        form = tab.locator('.form:visible').first
        expect(form.locator('input[name="name"]')).to_have_value(
            "LIVRET-BROWSER")
        expect(form.locator('button[name="commons_match"]')).to_contain_text(
            "Rapprocher des pièces", ignore_case=True)
        form.locator('.nav-tabs a:visible', has_text="Origines").first.click()
        origins = form.locator('tbody tr:visible')
        gift = origins.filter(has_text="80,00")
        expect(gift).to_contain_text("Tiers inconnu")
        expect(gift).to_contain_text("Aucun tiers n'a le compte bancaire")
        fees = origins.filter(has_text="-2,50")
        expect(fees).to_contain_text("ne donne aucun compte bancaire")
        page.screenshot(path=str(browser / 'fr-statement-imported.png'))
        headers = form.locator('thead th:visible')
        assert not _off_screen(page, headers), _off_screen(page, headers)
    finally:
        page.screenshot(path=str(browser / 'fr-statement-import-last.png'))


def test_screens_steward_and_contributor(served, french_page, browser):
    "The steward and the contributor of the demo log in and read French"
    from playwright.sync_api import expect
    page = french_page
    tab = page.locator('#tabcontent')
    user = demo_data.STEWARD_USER
    _login(page, served, user['login'], user['password'], menu="Communs")
    _open_menu(page, "Communs", "Dépenses à approuver")
    row = tab.locator(
        'tbody tr:visible', has_text=demo_data.PENDING_SPENDING[3])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("150,00")
    page.screenshot(path=str(browser / 'fr-steward-spending.png'))
    _open_menu(page, "Communs", "Ressources")
    expect(tab.locator('tbody tr:visible', has_text="Logiciel LOOT").first
        ).to_be_visible()
    page.screenshot(path=str(browser / 'fr-steward-resources.png'))

    user = demo_data.CONTRIBUTOR_USER
    page.goto('about:blank')
    _login(page, served, user['login'], user['password'], menu="Communs")
    _open_menu(page, "Communs", "Contributions")
    tab.locator('a[role="tab"]:visible', has_text="Toutes").first.click()
    rows = tab.locator('tbody tr:visible', has_text="Correctifs de bugs")
    expect(rows.first).to_be_visible()
    expect(tab.locator('tbody tr:visible', has_text="Hébergeurs Libres")
        ).to_have_count(0)
    page.screenshot(path=str(browser / 'fr-contributor-contributions.png'))


def test_participant_grades_majority_judgment(
        demo_server, served, page, browser):
    """A participant grades the buckets of an open majority judgment from
    the form of the round, saves, finds the grades again; once the manager
    closed the round, the participant reads its result"""
    from demo_rpc import create_parties, make_users, open_round
    from playwright.sync_api import expect
    admin = demo_server.client('admin', 'admin')
    party, other = create_parties(admin, 'Juror', 2)
    login, = make_users(admin, 'juror', "Commons Participant", [party])
    round_, participants, buckets = open_round(
        admin, 'majority_judgment', {party: {}, other: {}},
        {'LOOT': (100, 300), 'DOKOS': (100, 300), 'MOVILAB': (100, 300)},
        matching_amount=Decimal(500))
    admin.model('commons.round.grade', 'create', [{
                'round': round_, 'participant': participants[other],
                'bucket': buckets[code], 'grade': grade,
                } for code, grade in [
                ('LOOT', 'very_good'), ('DOKOS', 'good'),
                ('MOVILAB', 'poor')]])
    name, = admin.model('commons.round', 'read', [round_], ['name'])
    name = name['name']
    # bucket rec_names as the client shows them
    labels = {
        code: admin.model('commons.round.bucket', 'read', [bucket], [
                'rec_name'])[0]['rec_name']
        for code, bucket in buckets.items()}
    grades = {'LOOT': "Excellent", 'DOKOS': "Fair", 'MOVILAB': "Reject"}
    try:
        _login(page, served, *login)
        _open_menu(page, "Commons", "Rounds")
        tab = page.locator('#tabcontent')
        row = tab.locator('tr', has=page.locator('text="%s"' % name))
        expect(row).to_have_count(1)
        row.locator('td', has_text=name).dblclick()
        form = tab.locator('.form').first
        expect(form.locator('input[name="name"]')).to_have_value(name)

        form.locator('.nav-tabs a', has_text="Grades").click()
        label = form.locator('label.form-one2many-string', has_text="Grades")
        grades_widget = form.locator('#%s' % label.get_attribute('for'))
        rows = grades_widget.locator('tbody tr')
        expect(rows).to_have_count(3)
        for i, (code, grade) in enumerate(grades.items(), 3):
            grades_widget.locator('button[title="New"]').click()
            expect(rows).to_have_count(i + 1)
            editing = rows.nth(i)
            # The new grade is the participant's own
            expect(editing.locator('input[name="participant"]')
                ).to_have_value("Juror 0")
            bucket = editing.locator('input[name="bucket"]')
            bucket.click()
            bucket.press_sequentially(
                labels[code].split('] ', 1)[-1][:5], delay=20)
            editing.locator('.dropdown-completion li',
                has_text=labels[code]).first.click()
            expect(bucket).to_have_value(labels[code])
            editing.locator('select[name="grade"]').select_option(label=grade)
        page.screenshot(path=str(browser / 'round-grades-edited.png'))
        tab.locator('button[title="Save"]').click()
        expect(page.locator('.alert', has_text="Record saved.")
            ).to_be_visible()
        tab.locator('button[title="Reload/Undo"]').click()
        expect(rows).to_have_count(6)
        for code, grade in grades.items():
            expect(rows.filter(has_text=labels[code]).filter(
                    has_text="Juror 0")).to_contain_text(grade)
        page.screenshot(path=str(browser / 'round-grades-saved.png'))
        saved = admin.model('commons.round.grade', 'search_read', [
                ('round', '=', round_),
                ('participant', '=', participants[party]),
                ], 0, None, None, ['bucket', 'grade'])
        assert {g['bucket']: g['grade'] for g in saved} == {
            buckets['LOOT']: 'excellent', buckets['DOKOS']: 'fair',
            buckets['MOVILAB']: 'reject'}, saved

        # LOOT's majority grade is very good, DOKOS' fair and MOVILAB's
        # reject: the pool of 500 gives LOOT its maximum of 300 and DOKOS
        # the 200 left
        admin.model('commons.round', 'close', [round_])
        tab.locator('button[title="Reload/Undo"]').click()
        expect(form.locator('select[name="state"], input[name="state"]')
            ).to_have_value(re.compile('closed|Closed'))
        form.locator('.nav-tabs a', has_text="Buckets").click()
        label = form.locator('label.form-one2many-string', has_text="Buckets")
        bucket_rows = form.locator(
            '#%s tbody tr' % label.get_attribute('for'))
        expect(bucket_rows).to_have_count(3)
        for code, rank, allocated in [
                ('LOOT', '1', '300.00'), ('DOKOS', '2', '200.00'),
                ('MOVILAB', '3', '0.00')]:
            row = bucket_rows.filter(has_text=labels[code])
            expect(row.locator('td[data-title^="Rank"]')).to_have_text(rank)
            expect(row.locator('td[data-title^="Allocated"]')
                ).to_contain_text(allocated)
        page.screenshot(path=str(browser / 'round-result.png'))
    finally:
        page.screenshot(path=str(browser / 'round-grades-last.png'))


def test_quadratic_bucket_progress(served, page, browser):
    """The buckets of the demo's quadratic round show their contributors,
    the match of the pool and a progress against their own maximum"""
    from playwright.sync_api import expect
    try:
        _login(page, served)
        _open_menu(page, "Commons", "Rounds")
        tab = page.locator('#tabcontent')
        tab.locator('.nav-tabs a', has_text="All").click()
        name = demo_rounds.QUADRATIC['name']
        row = tab.locator('tr', has=page.locator('text="%s"' % name))
        expect(row).to_have_count(1)
        row.locator('td', has_text=name).dblclick()
        form = tab.locator('.form').first
        expect(form.locator('input[name="name"]')).to_have_value(name)
        label = form.locator('label.form-one2many-string', has_text="Buckets")
        rows = form.locator('#%s tbody tr' % label.get_attribute('for'))
        expect(rows).to_have_count(3)
        # LOOT: 40.00 from 4 people and a match of 400.00 against its
        # maximum of 800.00
        for code, contributors, matched, progress in [
                ('LOOT', '4', '400.00', '55.00%'),
                ('DOKOS', '2', '600.00', '53.33%'),
                ('COMMUNECTER', '1', '0.00', '16.67%')]:
            row = rows.filter(has_text='[%s]' % code)
            expect(row.locator('td[data-title^="Contributors"]')
                ).to_have_text(contributors)
            expect(row.locator('td[data-title^="Matched"]')
                ).to_contain_text(matched)
            expect(row.locator('td[data-title^="Progress"]')
                ).to_contain_text(progress)
        page.screenshot(path=str(browser / 'round-quadratic.png'))
    finally:
        page.screenshot(path=str(browser / 'round-quadratic-last.png'))


def _amount(text):
    "The decimal of an amount shown in French (4 460,00 €, 60 %)"
    digits = re.sub(r'[^\d,-]', '', text).replace(',', '.')
    return Decimal(digits)


def test_public_pages(demo_server, french_page, browser):
    """A funder's browser, in French, opens the host's public page and the
    page of LOOT: their figures are those of the Resource Funding analysis,
    and no person who did not consent is named"""
    from playwright.sync_api import expect
    page = french_page
    admin = demo_server.client('admin', 'admin')
    company = admin.context['company']
    fiscalyear, = admin.model('account.fiscalyear', 'search', [
            ('company', '=', company), ('name', '=', '2023')],
        0, None, None)
    names = ['resource_code', 'need', 'recognised', 'received', 'gap',
        'spent', 'coverage']
    analysis = {r['resource_code']: r for r in admin.model(
            'commons.reporting.resource_funding', 'search_read', [
                ('public', '=', True)], 0, None, None, names,
            context={**admin.context, 'fiscalyear': fiscalyear})}
    assert 'LOOT' in analysis
    hidden = [p['name'] for p in admin.model('party.party', 'search_read', [
                ('name', 'in', demo_data.PERSONS),
                ('commons_public_consent', '=', False),
                ], 0, None, None, ['name'])]
    assert hidden
    base = '%s%s/commons/%s/' % (
        demo_server.url, demo_server.database.name, company)
    try:
        response = page.goto(base + '?fiscalyear=2023')
        assert response.status == 200
        assert response.headers['content-language'] == 'fr'
        expect(page.locator('h1')).to_contain_text("Association ANIS")
        for code, row in analysis.items():
            if not (row['need'] or row['recognised']):
                continue
            tr = page.locator('tr[data-resource="%s"]' % code)
            expect(tr).to_have_count(1)
            for name in ['recognised', 'received', 'gap']:
                text = tr.locator('td[data-field="%s"]' % name).inner_text()
                assert _amount(text) == row[name], (code, name, text)
            need = tr.locator('td[data-field="need"] strong').inner_text()
            assert _amount(need) == row['need'], (code, need)
            coverage = tr.locator('td[data-field="coverage"]').inner_text()
            if row['coverage'] is not None:
                assert _amount(coverage) == round(
                    Decimal(str(row['coverage'])) * 100), (code, coverage)
        total = page.locator('dd[data-total="recognised"]').inner_text()
        assert _amount(total) == sum(
            r['recognised'] for r in analysis.values())
        expect(page.locator('body')).to_contain_text("Acquis")
        text = page.locator('body').inner_text()
        for name in hidden:
            assert name not in text, name
        page.screenshot(path=str(browser / 'public-host.png'), full_page=True)

        page.locator('tr[data-resource="LOOT"] a').click()
        expect(page.locator('h1')).to_have_text("Logiciel LOOT")
        loot = analysis['LOOT']
        for name in ['need', 'recognised', 'received', 'spent', 'gap']:
            text = page.locator('dd[data-field="%s"]' % name).inner_text()
            assert _amount(text) == loot[name], (name, text)
        expect(page.locator('table.funders')).to_contain_text(
            "Fabrique Monscobar")
        expect(page.locator('svg.chart')).to_be_visible()
        text = page.locator('body').inner_text()
        for name in hidden:
            assert name not in text, name
        page.screenshot(path=str(browser / 'public-loot.png'), full_page=True)

        response = page.goto(base + 'badge/LOOT.svg?fiscalyear=2023')
        assert response.headers['content-type'] == 'image/svg+xml'
        assert 'financé à 100 %' in response.text()
        page.screenshot(path=str(browser / 'public-loot-badge.png'))
    finally:
        page.screenshot(path=str(browser / 'public-last.png'))
