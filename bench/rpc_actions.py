#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark: the actions a user feels, through RPC, against core.

Builds two databases of the same seed data on each backend, one with the
core modules only (those the commons modules depend on, with account_fr)
and one with the four commons modules, serves each as the project ships
it (trytond's server on SQLite, gunicorn on PostgreSQL, with
docker/trytond.conf) and measures over JSON-RPC, as the web client calls
the server:

- login: what the web client calls from the login to the menu;
- posting a supplier invoice: a plain one on core, one charged to a fund
  and approved by its steward on commons (and a plain one on commons);
- a contributor invoice: core fills and saves a supplier invoice of three
  lines from its form, commons runs the wizard that invoices three
  validated contributions;
- a payment request: core fills and saves a customer invoice of one line,
  commons runs the request-payment wizard of a pledge.

The last two replay the JSON-RPC calls the web client (sao) sent for them,
recorded by bench/record_client_calls.py in bench/rpc_actions_calls.json
(every on_change, completion and read of the form, the save, the reads
after it), with the ids of the run's records.

Prints per action the median of --repeat runs on each database and the
ratio commons / core.  Target: ratio <= 1.3.

Usage::

    python bench/rpc_actions.py [--backends sqlite postgresql]
        [--repeat 15] [--folder DIR] [--keep] [--check]
    python bench/rpc_actions.py --profile ACTION [--backends sqlite]

--profile runs the action in-process on the commons database (with the
same data) under cProfile and prints the top of the profile.

It is a benchmark run by hand, not a test.  See bench/README.md.
"""
import argparse
import cProfile
import datetime as dt
import functools
import json
import os
import pstats
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tests'))

BIN = Path(sys.executable).parent
PG_URI = 'postgresql://postgres@127.0.0.1:5432/'
SHIPPED_CONFIG = ROOT / 'docker' / 'trytond.conf'
COMMONS = sorted(p.parent.name for p in (ROOT / 'modules').glob(
        '*/tryton.cfg'))
RATIO_TARGET = 1.3
ACTIONS = [
    ('login', "login (to the menu)"),
    ('post_plain', "post a plain supplier invoice"),
    ('post_fund', "post a supplier invoice charged to a fund"),
    ('contributor_invoice', "contributor invoice (3 lines)"),
    ('request_payment', "request-payment wizard"),
    ]
# The action of core each commons action is compared with
BASELINE = {
    'post_fund': 'post_plain',
    }
CONTRIBUTIONS = 3
START = time.perf_counter()


def log(message, *args):
    print('[%7.1fs] ' % (time.perf_counter() - START) + message % args,
        file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--backends', nargs='+',
        default=['sqlite', 'postgresql'], choices=['sqlite', 'postgresql'])
    parser.add_argument('--repeat', type=int, default=15,
        help="runs of each action, the median is kept "
        "(default: %(default)s)")
    parser.add_argument('--folder', default=None,
        help="where the configuration, logs and SQLite files go "
        "(default: a temporary folder)")
    parser.add_argument('--keep', action='store_true',
        help="keep the databases (reused by the next run)")
    parser.add_argument('--check', action='store_true',
        help="exit with 1 when a target is missed")
    parser.add_argument('--profile', choices=[a for a, _ in ACTIONS],
        help="profile the action in-process on the commons database")
    parser.add_argument('--backend', help=argparse.SUPPRESS)
    parser.add_argument('--seed', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# -- databases ---------------------------------------------------------------

def uri(backend):
    if backend == 'postgresql':
        value = os.environ.get('TRYTOND_DATABASE_URI', PG_URI)
        return value if value.startswith('postgresql') else PG_URI
    return 'sqlite://'


def clean_env():
    return {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_') and k not in {'DB_NAME', 'DB_CACHE'}}


def pg_connect(backend, dbname):
    import psycopg
    return psycopg.connect(
        uri(backend).rstrip('/') + '/' + dbname, autocommit=True)


class Database:
    "A database of the benchmark, its configuration file in folder"

    def __init__(self, backend, name, folder):
        self.backend = backend
        self.name = name
        self.folder = folder
        self.config = folder / ('%s.conf' % name)
        if backend == 'postgresql':
            self.config.write_text("[database]\nuri = %s\n" % uri(backend))
        else:
            (folder / 'db').mkdir(exist_ok=True)
            self.path = folder / 'db' / ('%s.sqlite' % name)
            self.config.write_text("[database]\nuri = sqlite://\npath = %s\n"
                % (folder / 'db'))

    def exists(self):
        if self.backend == 'postgresql':
            with pg_connect(self.backend, 'postgres') as conn:
                return bool(conn.execute(
                        'SELECT 1 FROM pg_database WHERE datname = %s',
                        (self.name,)).fetchone())
        return self.path.exists()

    def query(self, sql, params=()):
        if self.backend == 'postgresql':
            with pg_connect(self.backend, self.name) as conn:
                cursor = conn.execute(sql.replace('?', '%s'), params)
                return cursor.fetchall() if cursor.description else []
        with sqlite3.connect(self.path) as conn:
            return conn.execute(sql, params).fetchall()

    def create(self, modules):
        if self.backend == 'postgresql':
            with pg_connect(self.backend, 'postgres') as conn:
                conn.execute('CREATE DATABASE "%s" TEMPLATE template0 '
                    "ENCODING 'unicode'" % self.name)
        else:
            self.path.touch()
        passfile = self.folder / 'admin-password'
        passfile.write_text('admin\n')
        log("%s: trytond-admin -u %s", self.name, ' '.join(modules))
        subprocess.run([
                str(BIN / 'trytond-admin'), '-c', str(self.config),
                '-d', self.name, '--all', '--activate-dependencies',
                '-u', *modules, '--email', 'admin@example.org'],
            env=dict(clean_env(), TRYTONPASSFILE=str(passfile)),
            check=True, stdout=subprocess.DEVNULL, cwd=ROOT)

    def modules(self):
        return sorted(r[0] for r in self.query(
                "SELECT name FROM ir_module WHERE state = 'activated'"))

    def seed(self, kind):
        "Fill the database with the seed data in a process of its own"
        log("%s: seed data (%s)", self.name, kind)
        result = subprocess.run([
                sys.executable, __file__, '--seed', kind,
                '--backend', self.backend, '--folder', str(self.folder)],
            env=dict(clean_env(), DB_NAME=self.name),
            check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def drop(self):
        if self.backend == 'postgresql':
            with pg_connect(self.backend, 'postgres') as conn:
                conn.execute(
                    'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name)
        elif self.path.exists():
            self.path.unlink()


# -- the seed data (in its own process, through proteus) ---------------------

def seed(kind, database):
    "Create the same host in core and commons databases: ids as JSON"
    from proteus import Model, Wizard
    from proteus import config as pconfig
    config = pconfig.set_trytond(database.name,
        config_file=str(database.config))
    commons = kind == 'commons'
    Account = Model.get('account.account')
    AccountTemplate = Model.get('account.account.template')
    Country = Model.get('country.country')
    Currency = Model.get('currency.currency')
    FiscalYear = Model.get('account.fiscalyear')
    Group = Model.get('res.group')
    Journal = Model.get('account.journal')
    ModelData = Model.get('ir.model.data')
    Party = Model.get('party.party')
    Sequence = Model.get('ir.sequence.strict')
    SequenceType = Model.get('ir.sequence.type')
    User = Model.get('res.user')

    currency = Currency(name="Euro", code='EUR', symbol='€',
        rounding=Decimal('0.01'))
    currency.save()
    country = Country(name="France", code='FR')
    country.save()
    host = Party(name="Association Banc d'essai")
    address, = host.addresses
    address.city = "Lille"
    address.postal_code = "59000"
    address.country = country
    host.save()
    company_config = Wizard('company.company.config')
    company_config.execute('company')
    company_config.form.party = host
    company_config.form.currency = currency
    company_config.form.timezone = 'Europe/Paris'
    company_config.execute('add')
    config._context = User.get_preferences(True, {})
    company, = Model.get('company.company').find()

    create_chart = Wizard('account.create_chart')
    create_chart.execute('account')
    create_chart.form.account_template = AccountTemplate(
        ModelData.get_id('account_fr', 'root', config.context))
    create_chart.form.company = company
    create_chart.execute('create_account')

    def account(code):
        account, = Account.find([('code', '=', code)])
        return account
    create_chart.form.account_receivable = account('4111')
    create_chart.form.account_payable = account('4011')
    create_chart.execute('create_properties')

    year = dt.date.today().year
    move_type = SequenceType(ModelData.get_id(
            'account', 'sequence_type_account_move', config.context))
    invoice_type = SequenceType(ModelData.get_id(
            'account_invoice', 'sequence_type_account_invoice',
            config.context))
    move_sequence = Sequence(name=str(year), sequence_type=move_type,
        company=company)
    move_sequence.save()
    fiscalyear = FiscalYear(name=str(year), company=company,
        start_date=dt.date(year, 1, 1), end_date=dt.date(year, 12, 31),
        move_sequence=move_sequence)
    series = ['out_invoice', 'out_credit_note', 'in_invoice',
        'in_credit_note']
    if commons:
        series += ['commons_request', 'commons_request_credit_note']
    sequences, = fiscalyear.invoice_sequences
    for name in series:
        sequence = Sequence(name="%s %s" % (name, year),
            sequence_type=invoice_type, prefix='%s-%s-' % (name, year),
            company=company)
        sequence.save()
        setattr(sequences, name + '_sequence', sequence)
    fiscalyear.save()
    fiscalyear.click('create_period')

    admin, = User.find([('login', '=', 'admin')])
    groups = [('account', 'group_account'), ('account', 'group_account_admin')]
    if commons:
        groups += [('commons_fund', 'group_commons_admin'),
            ('commons_fund', 'group_commons_steward')]
    for module, xml_id in groups:
        admin.groups.append(
            Group(ModelData.get_id(module, xml_id, config.context)))

    def party(name):
        party = Party(name=name)
        party.save()
        return party
    supplier = party("Fournisseur")
    customer = party("Fondation")
    contributor = party("Contributrice")
    data = {
        'company': company.id,
        'supplier': supplier.id,
        'customer': customer.id,
        'contributor': contributor.id,
        'expense_account': account('604').id,
        'revenue_account': account('706').id,
        'expense_journal': Journal.find([('code', '=', 'EXP')])[0].id,
        'revenue_journal': Journal.find([('code', '=', 'REV')])[0].id,
        }
    if not commons:
        admin.save()
        return data

    steward = party("Collectif du commun")
    admin.party = steward
    admin.save()
    config._context = User.get_preferences(True, {})
    Configuration = Model.get('commons.configuration')
    Fund = Model.get('commons.fund')
    Pledge = Model.get('commons.pledge')
    Resource = Model.get('commons.resource')
    configuration = Configuration(1)
    configuration.revenue_journal, = Journal.find([('code', '=', 'REV')])
    bank = Journal(name="Bank", code='BANK', type='cash')
    bank.save()
    configuration.receipt_journal = bank
    configuration.default_host_fee_rate = Decimal('0.08')
    configuration.default_hourly_rate = Decimal(40)
    configuration.save()
    resource = Resource(name="Commun", code='COMMUN', kind='software')
    resource.stewards.append(Party(steward.id))
    resource.save()
    fund = Fund(name="Fonds du commun", code='COMMUN', type='earmarked',
        resource=resource)
    fund.save()
    # The money the spending uses: a donation received without invoice
    pledge = Pledge(funder=customer, funding_type='donation', fund=fund,
        amount=Decimal(1_000_000), fiscalyear=fiscalyear)
    pledge.save()
    pledge.click('confirm')
    receipt = pledge.click('record_receipt')
    state, = [s for s in receipt.states if s != 'end']
    receipt.execute(state)
    # The pledge whose payment is requested tranche by tranche
    request = Pledge(funder=customer, funding_type='donation', fund=fund,
        amount=Decimal(1_000_000), fiscalyear=fiscalyear)
    request.save()
    request.click('confirm')
    data.update(fund=fund.id, resource=resource.id, pledge=request.id)
    return data


# -- the server --------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Server:
    "The database served as the project ships it (see tests/conftest.py)"

    def __init__(self, database, log_path, sao_root=None):
        self.database = database
        self.port = free_port()
        self.url = 'http://127.0.0.1:%s/' % self.port
        env = clean_env()
        if database.backend == 'postgresql':
            env.update({
                    'TRYTOND_CONFIG': str(SHIPPED_CONFIG),
                    'TRYTOND_DATABASE__URI': uri('postgresql'),
                    'TRYTOND_DATABASE_NAMES': database.name,
                    })
            # One worker: each action is measured alone
            args = [str(BIN / 'gunicorn'), '--bind',
                '127.0.0.1:%s' % self.port, '--workers', '1',
                '--timeout', '120', 'trytond.application:app']
        else:
            config = database.folder / ('%s-server.conf' % database.name)
            config.write_text("[database]\nuri = sqlite://\npath = %s\n\n"
                "[web]\nlisten = 127.0.0.1:%s\n%s" % (
                    database.path.parent, self.port,
                    # The web client, for bench/record_client_calls.py
                    "root = %s\n" % sao_root if sao_root else ""))
            args = [str(BIN / 'trytond'), '-c', str(SHIPPED_CONFIG),
                str(config), '-d', database.name]
        self.log = open(log_path, 'ab')
        self.process = subprocess.Popen(args, stdout=self.log,
            stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise RuntimeError("the server stopped, see %s" % log_path)
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the server does not answer")
            time.sleep(0.3)

    def client(self):
        from rpc import Client
        return Client(self.url, self.database.name, 'admin', 'admin')

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# -- the actions -------------------------------------------------------------

# The JSON-RPC calls the web client sends for each action, recorded by
# bench/record_client_calls.py; the ids made during the action are written
# {"$id": "N.K"} (the K-th id made by the N-th call), today's date
# {"$today": true}, the records prepared for the run {"$id": "records.K"}
CLIENT_CALLS = Path(__file__).resolve().parent / 'rpc_actions_calls.json'
# The recorded action replayed for each action and database
REPLAYED = {
    ('contributor_invoice', 'core'): 'core_supplier_invoice',
    ('contributor_invoice', 'commons'): 'commons_contributor_invoice',
    ('request_payment', 'core'): 'core_customer_invoice',
    ('request_payment', 'commons'): 'commons_request_payment',
    }
CONTEXT_IDS = {'active_id', 'active_ids'}


@functools.cache
def client_calls():
    "The recorded actions, read once (not in the timed runs)"
    return json.loads(CLIENT_CALLS.read_text())['actions']


def created_ids(method, result):
    "The ids the call made (a record, a wizard's session, the opened ones)"
    kind, name = method.split('.', 1)
    if kind == 'model' and name.endswith('.create'):
        return list(result)
    if kind == 'wizard' and name.endswith('.create'):
        return [result[0]]
    if kind == 'wizard' and name.endswith('.execute'):
        ids = []
        for action, _ in (result or {}).get('actions', []):
            res_id = action.get('res_id')
            ids += res_id if isinstance(res_id, list) else [res_id]
        return [i for i in ids if i]
    return []


def substitute(value, replace, context=False):
    """value with replace applied to the ints (ids), the dates and, in the
    context, to the keys naming the client's records only"""
    if isinstance(value, list):
        return [substitute(v, replace, context) for v in value]
    if isinstance(value, dict):
        if value.get('__class__') == 'date' or set(value) == {'$today'}:
            return replace(value)
        if set(value) == {'$id'}:
            return replace(value)
        return {k: (substitute(v, replace) if not context
                or k in CONTEXT_IDS else v) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool):
        return replace(value)
    return value


def split_context(method, params):
    "The params and the context that the client sends last"
    if params and isinstance(params[-1], dict) and 'client' in params[-1]:
        return params[:-1], params[-1]
    return params, None


class Actions:
    """The actions on one database: prepare() makes, untimed, what one run
    needs; the action then runs on it"""

    def __init__(self, kind, server, data):
        self.kind = kind
        self.commons = kind == 'commons'
        self.server = server
        self.data = data
        self.admin = server.client()

    def invoice_values(self, type_, lines, fund=None):
        data = self.data
        values = {
            'type': type_,
            'company': data['company'],
            'party': data['supplier' if type_ == 'in' else 'customer'],
            'invoice_date': dt.date.today(),
            'journal': data[
                'expense_journal' if type_ == 'in' else 'revenue_journal'],
            'lines': [('create', [{
                            'company': data['company'],
                            'account': data[
                                'expense_account' if type_ == 'in'
                                else 'revenue_account'],
                            'quantity': 1,
                            'unit_price': Decimal('125.40') + i,
                            'description': "Travail %s" % i,
                            **({'commons_fund': fund} if fund else {}),
                            } for i in range(lines)])],
            }
        # The fields the form fills by its on_change
        address, = self.admin.model('party.party', 'read',
            [values['party']], ['addresses'])[0]['addresses'][:1]
        configuration = self.admin.model('account.configuration', 'read',
            [1], ['default_account_payable', 'default_account_receivable'])[0]
        values.update(
            invoice_address=address,
            account=configuration['default_account_payable' if type_ == 'in'
                else 'default_account_receivable'],
            currency=self.admin.model('company.company', 'read',
                [data['company']], ['currency'])[0]['currency'])
        return values

    # login

    def prepare_login(self):
        return None

    def login(self, _):
        "What the web client calls from its login form to the menu"
        from rpc import Client
        client = Client(self.server.url, self.server.database.name,
            'admin', 'admin')
        client.model('res.user', 'get_preferences', False)
        for method, args in [
                ('ir.model.list_models', ()),
                ('ir.model.list_history', ()),
                ('ir.model.get_names', ()),
                ('ir.model.get_notification', ()),
                ('ir.ui.view_search.get', ()),
                ]:
            model, name = method.rsplit('.', 1)
            client.model(model, name, *args)
        menu = client.model('ir.ui.menu', 'fields_view_get', None, 'tree')
        ids = client.model('ir.ui.menu', 'search',
            [('parent', '=', None)], 0, None, None)
        client.model('ir.ui.menu', 'read', ids, list(menu['fields']))

    # posting supplier invoices

    def _draft_supplier_invoice(self, fund=None):
        invoice, = self.admin.model('account.invoice', 'create',
            [self.invoice_values('in', 1, fund=fund)])
        if fund:
            # The steward approves the spending before it is posted
            self.admin.model('account.invoice', 'commons_approve', [invoice])
        return invoice

    def prepare_post_plain(self):
        return self._draft_supplier_invoice()

    def prepare_post_fund(self):
        return self._draft_supplier_invoice(fund=self.data['fund'])

    def post_plain(self, invoice):
        self.admin.model('account.invoice', 'post', [invoice])

    post_fund = post_plain

    # contributor invoice

    def prepare_contributor_invoice(self):
        if not self.commons:
            return None
        data = self.data
        contributions = self.admin.model('commons.contribution', 'create', [{
                    'company': data['company'],
                    'contributor': data['contributor'],
                    'resource': data['resource'],
                    'kind': 'work',
                    'remuneration': 'paid',
                    'quantity': Decimal(2 + i),
                    'description': "Travail %s" % i,
                    } for i in range(CONTRIBUTIONS)])
        self.admin.model('commons.contribution', 'submit', contributions)
        self.admin.model('commons.contribution', 'approve', contributions)
        return contributions

    def replay(self, action, records=()):
        """Send the calls the web client sent for the action, with the ids
        of this run"""
        import rpc
        calls = client_calls()[REPLAYED[action, self.kind]]['calls']
        live = {'records.%d' % k: r for k, r in enumerate(sorted(records))}
        today = dt.date.today()

        def replace(value):
            if isinstance(value, dict) and '$id' in value:
                return live[value['$id']]
            if isinstance(value, dict) and '$today' in value:
                return {'__class__': 'date', 'year': today.year,
                    'month': today.month, 'day': today.day}
            return value
        for n, call in enumerate(calls):
            result = rpc._request(self.admin.url, {
                    'id': n, 'method': call['method'],
                    'params': substitute(call['params'], replace),
                    }, headers=self.admin.headers)
            for k, id_ in enumerate(created_ids(call['method'], result)):
                live['%d.%d' % (n, k)] = id_

    def contributor_invoice(self, contributions):
        self.replay('contributor_invoice', contributions or ())

    def prepare_request_payment(self):
        return None

    def request_payment(self, _):
        self.replay('request_payment')


def timed(actions, name):
    client_calls()
    argument = getattr(actions, 'prepare_' + name)()
    start = time.perf_counter()
    getattr(actions, name)(argument)
    return time.perf_counter() - start


def build(backend, folder):
    "The commons and core databases with their seed data (kept ones reused)"
    databases = {
        kind: Database(backend, 'bench_rpc_%s' % kind, folder)
        for kind in ['commons', 'core']}
    data = {}
    for kind, database in databases.items():
        seed_file = folder / ('%s-%s.json' % (database.name, backend))
        if database.exists() and seed_file.exists():
            data[kind] = json.loads(seed_file.read_text())
            continue
        database.drop()
        if kind == 'commons':
            database.create(COMMONS + ['account_fr'])
        else:
            # The core modules the commons database has, nothing else
            database.create([m for m in databases['commons'].modules()
                    if not m.startswith('commons_')])
        data[kind] = database.seed(kind)
        seed_file.write_text(json.dumps(data[kind]))
    assert set(databases['core'].modules()) == {
        m for m in databases['commons'].modules()
        if not m.startswith('commons_')}
    return databases, data


def run_backend(args):
    "Build, serve and measure on one backend; print the results as JSON"
    backend = args.backend
    folder = Path(args.folder)
    databases, data = build(backend, folder)
    servers = {}
    times = {kind: {a: [] for a, _ in ACTIONS} for kind in databases}
    try:
        for kind, database in databases.items():
            servers[kind] = Server(database,
                folder / ('trytond-%s-%s.log' % (kind, backend)))
        actions = {k: Actions(k, servers[k], data[k]) for k in databases}
        log("%s: warm-up", backend)
        for _ in range(2):
            for name, _ in ACTIONS:
                for kind in databases:
                    if name == 'post_fund' and kind == 'core':
                        continue
                    timed(actions[kind], name)
        # Interleaved, so that a change of load on the machine affects
        # both databases alike
        for i in range(args.repeat):
            for name, _ in ACTIONS:
                for kind in databases:
                    if name == 'post_fund' and kind == 'core':
                        continue
                    times[kind][name].append(timed(actions[kind], name))
            log("%s: round %d/%d", backend, i + 1, args.repeat)
    finally:
        for server in servers.values():
            server.stop()
        if not args.keep:
            for database in databases.values():
                database.drop()
    print(json.dumps({
                kind: {a: {
                        'median': statistics.median(t),
                        'min': min(t),
                        } for a, t in by_action.items() if t}
                for kind, by_action in times.items()}))


# -- profile -----------------------------------------------------------------

class InProcess:
    """The databases served in this process through trytond's WSGI
    application, for Actions"""
    url = 'http://localhost/'

    def __init__(self, database):
        self.database = database

    def client(self):
        import rpc
        from werkzeug.test import Client as WClient

        from trytond.wsgi import app
        wclient = WClient(app)

        def request(url, payload, headers=None, timeout=None):
            body = json.dumps(payload, cls=rpc.JSONEncoder)
            response = wclient.post(url.replace(self.url, '/'),
                data=body, headers={
                    'Content-Type': 'application/json', **(headers or {})})
            result = json.loads(response.get_data(as_text=True),
                object_hook=rpc.JSONDecoder())
            if result.get('error'):
                raise rpc.Fault(200, result['error'][0], result['error'][1])
            return result['result']
        rpc._request = request
        return rpc.Client(self.url, self.database.name, 'admin', 'admin')


def profile(args):
    """Run the action through trytond's dispatcher in this process on both
    databases: the median of --repeat runs, then one run under cProfile"""
    folder = Path(args.folder)
    databases, data = build(args.backend, folder)
    from trytond import config
    config.update_etc(str(databases['core'].config))
    import trytond.application  # noqa: F401 register the routes
    from trytond.pool import Pool
    name = args.profile
    for kind in ['core', 'commons']:
        database = databases[kind]
        Pool(database.name).init()
        actions = Actions(kind, InProcess(database), data[kind])
        action = BASELINE.get(name, name) if kind == 'core' else name
        times = [timed(actions, action) for _ in range(args.repeat)]
        log("%s on %s: median %.0f ms, min %.0f ms in-process", action,
            kind, statistics.median(times) * 1000, min(times) * 1000)
        argument = getattr(actions, 'prepare_' + action)()
        profiler = cProfile.Profile()
        profiler.enable()
        getattr(actions, action)(argument)
        profiler.disable()
        profiler.dump_stats(folder / ('%s-%s.prof' % (name, kind)))
        print("\n==== %s on %s" % (action, kind))
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats('cumulative').print_stats(45)
        if kind == 'commons':
            stats.sort_stats('cumulative').print_stats('commons_', 30)


# -- main --------------------------------------------------------------------

def main(argv=None):
    args = parse_args(argv)
    if args.seed:
        database = Database(args.backend, os.environ['DB_NAME'],
            Path(args.folder))
        print(json.dumps(seed(args.seed, database)))
        return 0
    if args.profile and args.backend:
        return profile(args)
    if args.backend:
        return run_backend(args)
    folder = Path(args.folder or tempfile.mkdtemp(prefix='bench-rpc-')
        ).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    try:
        for backend in (args.backends[:1] if args.profile
                else args.backends):
            cmd = [sys.executable, __file__, '--backend', backend,
                '--folder', str(folder), '--repeat', str(args.repeat)]
            if args.keep or args.profile:
                cmd.append('--keep')
            if args.profile:
                cmd += ['--profile', args.profile]
                env = clean_env()
                env['PYTHONPATH'] = str(ROOT / 'tests')
                subprocess.run(cmd, check=True, env=env)
                continue
            log("%s: %d runs of each action", backend, args.repeat)
            output = subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                text=True).stdout
            results[backend] = json.loads(output.strip().splitlines()[-1])
    finally:
        if not args.folder and not args.keep and not args.profile:
            shutil.rmtree(folder, ignore_errors=True)
    if args.profile:
        return 0
    return report(args, results)


def report(args, results):
    ok = True
    print()
    print("Actions through JSON-RPC, median of %d runs in ms "
        "(min in brackets); ratio commons / core (target <= %.1f)" % (
            args.repeat, RATIO_TARGET))
    print('%-44s %-11s %15s %15s %12s' % (
            "action", "backend", "core", "commons", "ratio"))
    for name, label in ACTIONS:
        for backend, result in results.items():
            core = result['core'].get(BASELINE.get(name, name))
            commons = result['commons'][name]
            ratio = commons['median'] / core['median']
            met = ratio <= RATIO_TARGET
            ok &= met
            print('%-44s %-11s %15s %15s %7.2f %s' % (
                    label, backend,
                    '%.0f (%.0f)' % (core['median'] * 1000,
                        core['min'] * 1000),
                    '%.0f (%.0f)' % (commons['median'] * 1000,
                        commons['min'] * 1000),
                    ratio, 'PASS' if met else 'FAIL'))
    print("verdict: %s" % ('every target met' if ok else 'target missed'))
    return 1 if args.check and not ok else 0


if __name__ == '__main__':
    sys.exit(main())
