#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Record the JSON-RPC calls the web client sends for the bench's actions.

The databases of bench/rpc_actions.py (SQLite, made with --keep into
--folder) are served with the web client (sao, var/sao); headless chromium
driven by playwright logs in as admin and does, as a user would:

- core_supplier_invoice: on bench_rpc_core, a new supplier invoice from its
  form (the party, then three lines with description, quantity, unit price
  and account), saved;
- core_customer_invoice: on bench_rpc_core, a customer invoice of one line,
  saved (the baseline of the payment request);
- commons_contributor_invoice: on bench_rpc_commons, three validated
  contributions selected in their list, the action *Create Contributor
  Invoice*, its *Create Invoice* button, up to the invoice it opens;
- commons_request_payment: on bench_rpc_commons, the pledge's form, its
  *Request Payment* button, an amount, *Create Invoice*, up to the
  invoice it opens.

Each action is done twice in the same browser session and the second time
is kept: a user's steady state, the views already in the client's cache
(the calls of the first time are kept too, under "first").  Every
JSON-RPC request the page sends from the first click of the action until
the client is idle is kept (method and params, with the response's
result), in bench/rpc_actions_calls.json, which bench/rpc_actions.py
replays.

    python bench/record_client_calls.py --folder /tmp/bench-rpc
        [--sao var/sao] [--chromium /usr/bin/chromium] [--output FILE]

The folder must hold the SQLite databases that
`bench/rpc_actions.py --backends sqlite --keep --folder DIR` made.
"""
import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'bench'))
sys.path.insert(0, str(ROOT / 'tests'))

import rpc_actions as bench  # noqa: E402

CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync',
    ]
TIMEOUT = 60000
OUTPUT = ROOT / 'bench' / 'rpc_actions_calls.json'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--folder', required=True)
    parser.add_argument('--sao', default=str(ROOT / 'var' / 'sao'))
    parser.add_argument('--chromium', default='/usr/bin/chromium')
    parser.add_argument('--output', default=str(OUTPUT))
    return parser.parse_args(argv)


class Recorder:
    "The JSON-RPC requests of a page, from start() to stop()"

    def __init__(self, page):
        self.page = page
        self.requests = None
        self.pending = set()
        self.last = time.monotonic()
        page.on('request', self._request)
        page.on('requestfinished', self._finished)
        page.on('requestfailed', self._finished)

    @staticmethod
    def _rpc(request):
        if request.method != 'POST':
            return None
        try:
            data = request.post_data_json
        except Exception:
            return None
        return data if isinstance(data, dict) and 'method' in data else None

    def _request(self, request):
        if self._rpc(request) is None:
            return
        self.pending.add(request)
        self.last = time.monotonic()
        if self.requests is not None:
            self.requests.append(request)

    def _finished(self, request):
        self.pending.discard(request)
        self.last = time.monotonic()

    def settle(self, quiet=1.5):
        "Wait until the client has sent nothing for quiet seconds"
        while self.pending or time.monotonic() - self.last < quiet:
            self.page.wait_for_timeout(100)

    def start(self):
        self.settle()
        self.requests = []

    def stop(self):
        self.settle()
        calls = []
        for request in self.requests:
            data = self._rpc(request)
            response = request.response()
            body = response.json() if response else {}
            calls.append({
                    'method': data['method'],
                    'params': data['params'],
                    'result': body.get('result'),
                    'error': body.get('error'),
                    })
        self.requests = None
        return calls


def login(page, url, database):
    page.goto(url + '#' + database)
    page.fill('#login', 'admin')
    page.click('button[type=submit]')
    page.fill('#ask-dialog-entry', 'admin')
    page.locator('button[title="OK"]').first.click()
    page.locator('#menu .column-char').first.wait_for()


def open_menu(page, *path):
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


def close_tabs(page, recorder):
    recorder.settle()
    for _ in range(page.locator('#tablist .close').count()):
        page.locator('#tablist .close').last.click(force=True)
        recorder.settle(0.5)


def complete(scope, page, name, text):
    "Type text in the many2one name and pick the completion"
    from playwright.sync_api import TimeoutError
    entry = scope.locator('input[name="%s"]:visible' % name).first
    for attempt in range(3):
        # A form still loading its defaults may empty the entry: type again
        entry.fill(text)
        try:
            page.locator('.dropdown-completion li:visible', has_text=text
                ).first.click(timeout=15000)
            break
        except TimeoutError:
            if attempt == 2:
                raise


def number(scope, name, value):
    """Type value in the number field name: sao shows a text entry that
    gives way to a number entry when it takes the focus"""
    scope.locator('input[name="%s"]:visible' % name).first.click()
    entry = scope.locator('input[name="%s"][type="number"]:visible' % name
        ).first
    entry.fill(value)
    entry.press('Tab')


def invoice_form(page, recorder, menu, party, lines):
    """A new invoice from the list of the menu: the party, the lines, saved.
    The list opened is not recorded"""
    open_menu(page, "Financial", "Invoices", menu)
    tab = page.locator('#tabcontent')
    tab.locator('button[title="New"]').first.wait_for()
    recorder.start()
    tab.locator('button[title="New"]').first.click()
    complete(tab, page, 'party', party)
    recorder.settle(0.5)
    o2m = tab.locator('.form-one2many:visible', has=page.locator(
            '.form-one2many-string', has_text=re.compile(r'^Lines$'))).first
    o2m.locator('button[title="New"]').first.click()
    for i, (account, description, quantity, price) in enumerate(lines):
        dialog = page.locator('.modal-dialog:visible').last
        dialog.locator('input[name="account"]:visible').first.wait_for()
        recorder.settle(0.5)
        complete(dialog, page, 'account', account)
        recorder.settle(0.5)
        for name, value in [('quantity', quantity), ('unit_price', price)]:
            number(dialog, name, value)
            recorder.settle(0.5)
        dialog.locator('a[role="tab"]', has_text="Description").first.click()
        text = dialog.locator('textarea[name="description"]:visible').first
        text.fill(description)
        text.press('Tab')
        recorder.settle(0.5)
        last = i == len(lines) - 1
        dialog.locator('#save' if last else '#new_').first.click()
        recorder.settle(0.5)
    tab.locator('button[title="Save"]').first.click()
    recorder.settle()
    page.locator('#tabcontent .form-state:visible, #tabcontent '
        'input[name="number"]').first.wait_for(state='attached')
    calls = recorder.stop()
    close_tabs(page, recorder)
    return calls, []


def core_supplier_invoice(page, recorder, data):
    return invoice_form(page, recorder, "Supplier Invoices", "Fournisseur", [
            ('604', "Travail %s" % i, '1', '%.2f' % (125.40 + i))
            for i in range(bench.CONTRIBUTIONS)])


def core_customer_invoice(page, recorder, data):
    return invoice_form(page, recorder, "Customer Invoices", "Fondation", [
            ('706', "Travail 0", '1', '250.00')])


def commons_contributor_invoice(page, recorder, data, url, database, admin):
    "Three validated contributions invoiced from their list"
    contributions = data['prepare']()
    domain = urllib.parse.quote(json.dumps([['id', 'in', contributions]]))
    page.goto('%s#%s/model/commons.contribution;domain=%s' % (
            url, database, domain))
    tab = page.locator('#tabcontent')
    rows = tab.locator('tbody tr:visible', has_text="Travail")
    rows.nth(len(contributions) - 1).wait_for()
    recorder.settle()
    tab.locator('thead input[type="checkbox"]').first.check()
    recorder.start()
    tab.locator('button[title="Launch action"]').first.click()
    page.locator('.dropdown-menu a:visible',
        has_text="Create Contributor Invoice").first.click()
    dialog = page.locator('.modal-dialog:visible').last
    button = dialog.locator('button', has_text="Create Invoice").first
    button.wait_for()
    recorder.settle(0.5)
    button.click()
    page.locator('#tabcontent input[name="number"]').first.wait_for(
        state='attached')
    calls = recorder.stop()
    close_tabs(page, recorder)
    return calls, contributions


def commons_request_payment(page, recorder, data, url, database, admin):
    "The pledge's form, Request Payment, an amount, Create Invoice"
    page.goto('%s#%s/model/commons.pledge/%s' % (url, database,
            data['pledge']))
    tab = page.locator('#tabcontent')
    button = tab.locator('button[name="request_payment"]').first
    button.wait_for()
    recorder.settle()
    recorder.start()
    button.click()
    dialog = page.locator('.modal-dialog:visible').last
    amount = dialog.locator('input[name="amount"]:visible').first
    amount.wait_for()
    recorder.settle(0.5)
    number(dialog, 'amount', '250.00')
    recorder.settle(0.5)
    dialog.locator('button', has_text="Create Invoice").first.click()
    page.locator('#tabcontent input[name="number"]').first.wait_for(
        state='attached')
    calls = recorder.stop()
    close_tabs(page, recorder)
    return calls, []


def template(calls, records, day):
    """The calls with the ids made during the action, the records prepared
    for it and today's date replaced by what rpc_actions.py substitutes"""
    names = {r: {'$id': 'records.%d' % k}
        for k, r in enumerate(sorted(records))}

    def replace(value):
        if isinstance(value, dict):
            if (value.get('__class__') == 'date'
                    and (value['year'], value['month'], value['day'])
                    == (day.year, day.month, day.day)):
                return {'$today': True}
            return value
        return names.get(value, value)
    result = []
    for n, call in enumerate(calls):
        if call['error']:
            raise RuntimeError("%s failed: %s" % (
                    call['method'], call['error']))
        params, context = bench.split_context(call['method'], call['params'])
        params = bench.substitute(params, replace)
        if context is not None:
            params.append(bench.substitute(context, replace, context=True))
        result.append({'method': call['method'], 'params': params})
        for k, id_ in enumerate(bench.created_ids(
                    call['method'], call['result'])):
            names[id_] = {'$id': '%d.%d' % (n, k)}
    return result


def record(args):
    from playwright.sync_api import sync_playwright
    folder = Path(args.folder).resolve()
    sao = Path(args.sao).resolve()
    databases = {kind: bench.Database('sqlite', 'bench_rpc_%s' % kind, folder)
        for kind in ['core', 'commons']}
    seeds = {kind: json.loads((folder / ('%s-sqlite.json' % d.name))
            .read_text()) for kind, d in databases.items()}
    version = json.loads((sao / 'package.json').read_text())['version']
    import trytond
    recorded = {
        'recorded': dt.datetime.now(dt.timezone.utc).strftime(
            '%Y-%m-%d %H:%M UTC'),
        'client': 'sao %s, %s' % (version, subprocess.run(
                [args.chromium, '--version'], capture_output=True,
                text=True).stdout.strip()),
        'server': 'trytond %s' % trytond.__version__,
        'seed': seeds,
        'actions': {},
        }
    flows = {
        'core': [('core_supplier_invoice', core_supplier_invoice),
            ('core_customer_invoice', core_customer_invoice)],
        'commons': [
            ('commons_contributor_invoice', commons_contributor_invoice),
            ('commons_request_payment', commons_request_payment)],
        }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, args=CHROMIUM_ARGS)
        try:
            for kind, database in databases.items():
                # The configuration wizards a new database opens at the
                # first login, done as the admin who set it up would have
                database.query("UPDATE ir_module_config_wizard_item "
                    "SET state = 'done'")
                server = bench.Server(database,
                    folder / ('record-%s.log' % kind), sao_root=sao)
                try:
                    admin = server.client()
                    actions = bench.Actions(kind, server, seeds[kind])
                    data = dict(seeds[kind],
                        prepare=actions.prepare_contributor_invoice)
                    page = browser.new_page(
                        viewport={'width': 1920, 'height': 1000})
                    page.set_default_timeout(TIMEOUT)
                    recorder = Recorder(page)
                    login(page, server.url, database.name)
                    page.on('pageerror', lambda e: bench.log("page: %s", e))
                    for name, flow in flows[kind]:
                        runs = []
                        for _ in range(2):
                            if kind == 'core':
                                runs.append(flow(page, recorder, data))
                            else:
                                runs.append(flow(page, recorder, data,
                                        server.url, database.name, admin))
                            bench.log("%s: %d calls", name, len(runs[-1][0]))
                        calls, records = runs[1]
                        recorded['actions'][name] = {
                            'calls': template(calls, records,
                                dt.date.today()),
                            'first': [c['method'] for c in runs[0][0]],
                            }
                    page.close()
                except Exception:
                    page.screenshot(path=str(folder / 'record-failed.png'))
                    raise
                finally:
                    server.stop()
        finally:
            browser.close()
    Path(args.output).write_text(
        json.dumps(recorded, indent=1, cls=JSONEncoder) + '\n')
    bench.log("written %s", args.output)


class JSONEncoder(json.JSONEncoder):
    def default(self, o):
        return str(o)


def main(argv=None):
    record(parse_args(argv))
    return 0


if __name__ == '__main__':
    sys.exit(main())
