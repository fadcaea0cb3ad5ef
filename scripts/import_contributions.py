#!/usr/bin/env python3
# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Import contributions (commons.contribution) from a CSV file.

In-process on a database:

    python scripts/import_contributions.py -c trytond.conf -d DB FILE.csv

or against a running trytond server (XML-RPC):

    python scripts/import_contributions.py \\
        --url http://admin:PASSWORD@localhost:8000/DB/ FILE.csv

The file is UTF-8 (with or without BOM), its delimiter ";" or "," (or a
tab) is found from the header, decimals may use a comma ("12,5",
"1 234,50") and dates are ISO (2023-03-01) or French (01/03/2023).  The
columns are described in README.md ("Importing contributions") and in
COLUMNS below.

Every row is checked before anything is written; every bad row is reported
with its line number and the reason.  Nothing is imported when a row is bad,
unless --skip-errors.  Rows whose reference already exists in the company
are skipped ("already there"), so a second run adds nothing.

Exit status: 0 all rows imported or already there; 1 at least one bad row
(without --skip-errors nothing was imported) or a bad file; 2 usage error.
"""
import argparse
import csv
import datetime as dt
import io
import os
import re
import sys
import time
from decimal import Decimal, InvalidOperation

MODEL = 'commons.contribution'

# name: (required column, help); quantity or amount must be there
COLUMNS = {
    'reference': (True, "external id of the contribution, unique per "
        "company: a row whose reference exists is skipped"),
    'date': (True, "2023-03-01 or 01/03/2023"),
    'contributor': (True, "party code, identifier code or exact name"),
    'resource': (True, "code of the commons resource"),
    'kind': (True, "work, in_kind or cash"),
    'description': (False, "free text"),
    'quantity': (False, "hours of work or units given, > 0; not for cash"),
    'unit_price': (False, "hourly rate or value of a unit; empty for work: "
        "the rate grid"),
    'amount': (False, "the money given, for cash only"),
    'remuneration': (False, "paid or volunteer; empty: volunteer"),
    'in_kind_nature': (False, "goods or service, for in kind"),
    'company': (False, "name or party code of the company; empty: the "
        "user's current company"),
    }
REQUIRED_VALUES = {'reference', 'date', 'contributor', 'resource', 'kind'}
# The digits of the fields of commons.contribution
DIGITS = {'quantity': 2, 'unit_price': 4}

# Accepted spellings (lower case) of the selection values
KINDS = {
    'work': 'work', 'travail': 'work', 'heures': 'work',
    'in_kind': 'in_kind', 'in kind': 'in_kind', 'in-kind': 'in_kind',
    'nature': 'in_kind', 'en nature': 'in_kind',
    'cash': 'cash', 'numéraire': 'cash', 'numeraire': 'cash',
    'argent': 'cash',
    }
REMUNERATIONS = {
    'paid': 'paid', 'payé': 'paid', 'paye': 'paid', 'rémunéré': 'paid',
    'remunere': 'paid',
    'volunteer': 'volunteer', 'bénévole': 'volunteer',
    'benevole': 'volunteer',
    }
NATURES = {
    'goods': 'goods', 'good': 'goods', 'biens': 'goods', 'bien': 'goods',
    'service': 'service', 'services': 'service',
    }

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
DEFAULT_BATCH = 1000
# Keys per "in" lookup, under every backend's limit of parameters
LOOKUP_CHUNK = 500


class FileError(Exception):
    "The file cannot be read as a whole (encoding, header)"


class Row:
    __slots__ = ('line', 'raw', 'values', 'errors', 'status', 'id')

    def __init__(self, line, raw):
        self.line = line
        self.raw = raw
        self.values = {}
        self.errors = []
        # None, 'bad', 'there', 'created'
        self.status = None
        self.id = None

    def error(self, reason):
        self.errors.append(reason)
        self.status = 'bad'

    @property
    def ok(self):
        return not self.errors


# -- parsing (pure Python, no database) --------------------------------------

_SPACES = re.compile(r'[\s\u00a0\u202f\u2009]')
_PLAIN = re.compile(r'[+-]?(\d+(\.\d*)?|\.\d+)\Z')
_GROUPED_COMMA = re.compile(r'[+-]?\d{1,3}(,\d{3})+(\.\d*)?\Z')
_GROUPED_DOT = re.compile(r'[+-]?\d{1,3}(\.\d{3})+(,\d*)?\Z')
_ISO_DATE = re.compile(r'(\d{4})-(\d{1,2})-(\d{1,2})\Z')
_FR_DATE = re.compile(r'(\d{1,2})/(\d{1,2})/(\d{4})\Z')


def parse_decimal(text):
    """Return the Decimal of text, French or English notation.

    A comma alone is the decimal separator ("12,5"); spaces (also no-break
    ones) group thousands ("1 234,50"); with both a dot and a comma the last
    one is the decimal separator ("1.234,50", "1,234.50").
    Raise ValueError.
    """
    value = _SPACES.sub('', text)
    if ',' in value and '.' in value:
        if value.rfind(',') > value.rfind('.'):
            if not _GROUPED_DOT.match(value):
                raise ValueError(text)
            value = value.replace('.', '').replace(',', '.')
        else:
            if not _GROUPED_COMMA.match(value):
                raise ValueError(text)
            value = value.replace(',', '')
    elif value.count(',') == 1:
        value = value.replace(',', '.')
    if not _PLAIN.match(value):
        raise ValueError(text)
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(text)


def parse_date(text):
    "Return the date of 2023-03-01 or 01/03/2023; raise ValueError"
    value = text.strip()
    if match := _ISO_DATE.match(value):
        year, month, day = match.groups()
    elif match := _FR_DATE.match(value):
        day, month, year = match.groups()
    else:
        raise ValueError(text)
    return dt.date(int(year), int(month), int(day))


def normalise_column(name):
    return re.sub(r'[\s-]+', '_', name.strip().lower())


def decode(data, filename='-'):
    "Return the text of UTF-8 bytes, without BOM; raise FileError"
    try:
        return data.decode('utf-8-sig')
    except UnicodeDecodeError as exception:
        line = data[:exception.start].count(b'\n') + 1
        raise FileError(
            "%s is not UTF-8 (line %d, byte %d): save it as UTF-8 "
            "(CSV UTF-8 in a spreadsheet)" % (
                filename, line, exception.start + 1))


def detect_delimiter(header):
    "Return the delimiter that splits the header line into known columns"
    best, best_score = None, 0
    for delimiter in (';', ',', '\t'):
        names = [normalise_column(n) for n in header.split(delimiter)]
        score = sum(1 for n in names if n in COLUMNS)
        if score > best_score:
            best, best_score = delimiter, score
    if best is None:
        # Nothing known: the header check lists the expected columns
        best = max((';', ',', '\t'), key=header.count)
    return best


def expected_columns():
    return ", ".join(
        name + ('' if required else ' (optional)')
        for name, (required, _) in COLUMNS.items())


def check_header(fields):
    "Return the column names of the header fields; raise FileError"
    names = [normalise_column(f) for f in fields]
    unknown = [f for f, n in zip(fields, names) if n not in COLUMNS]
    missing = [n for n, (required, _) in COLUMNS.items()
        if required and n not in names]
    if 'quantity' not in names and 'amount' not in names:
        missing.append('quantity or amount')
    duplicates = sorted({n for n in names if n in COLUMNS
            and names.count(n) > 1})
    problems = []
    if unknown:
        problems.append("unknown column(s) %s" % ", ".join(
                repr(u) for u in unknown))
    if missing:
        problems.append("missing column(s) %s" % ", ".join(missing))
    if duplicates:
        problems.append("repeated column(s) %s" % ", ".join(duplicates))
    if problems:
        raise FileError("wrong header (line 1): %s; expected columns: %s" % (
                "; ".join(problems), expected_columns()))
    return names


def read_rows(text):
    """Yield the Row of each data line of the CSV text.

    The header is checked first (FileError).  Line numbers are those of the
    file, the header being line 1; blank lines are skipped.
    """
    if not text.strip():
        raise FileError("the file is empty; expected columns: %s"
            % expected_columns())
    first = text.lstrip('\r\n').splitlines()[0]
    delimiter = detect_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=''), delimiter=delimiter)
    names = None
    last = 0
    for fields in reader:
        line = last + 1
        last = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if names is None:
            names = check_header(fields)
            continue
        row = Row(line, {})
        if len(fields) != len(names):
            row.error("%d fields where the header has %d (check the "
                "delimiter %r and the quotes)" % (
                    len(fields), len(names), delimiter))
        row.raw = {n: f.strip() for n, f in zip(names, fields)}
        yield row


def check_row(row):
    "Fill row.values from row.raw, or add the reasons why it is bad"
    raw = row.raw
    values = row.values
    for name in sorted(REQUIRED_VALUES, key=list(COLUMNS).index):
        if not raw.get(name):
            row.error("%s is empty" % name)
    if raw.get('reference'):
        values['reference'] = raw['reference']
    if raw.get('date'):
        try:
            values['date'] = parse_date(raw['date'])
        except ValueError:
            row.error("bad date %r (expected 2023-03-01 or 01/03/2023)"
                % raw['date'])
    for name in ('contributor', 'resource', 'company'):
        if raw.get(name):
            values[name] = raw[name]
    for name, choices in [
            ('kind', KINDS),
            ('remuneration', REMUNERATIONS),
            ('in_kind_nature', NATURES)]:
        if raw.get(name):
            value = choices.get(raw[name].lower())
            if value is None:
                row.error("bad %s %r (expected %s)" % (
                        name, raw[name],
                        " or ".join(sorted(set(choices.values())))))
            else:
                values[name] = value
    if raw.get('description'):
        values['description'] = raw['description']
    kind = values.get('kind')
    for name in ('quantity', 'unit_price', 'amount'):
        if not raw.get(name):
            continue
        try:
            number = parse_decimal(raw[name])
        except ValueError:
            row.error("bad number %r in %s" % (raw[name], name))
            continue
        if number < 0:
            what = "hours" if name == 'quantity' and kind == 'work' else name
            row.error("negative %s %s" % (what, raw[name]))
        elif number == 0 and name != 'unit_price':
            row.error("%s must be greater than zero" % name)
        elif (name in DIGITS
                and -number.as_tuple().exponent > DIGITS[name]):
            row.error("%s %s has more than %d decimals" % (
                    name, raw[name], DIGITS[name]))
        else:
            values[name] = number
    if kind == 'cash':
        if not raw.get('amount'):
            row.error("amount is empty (required for cash)")
        for name in ('quantity', 'unit_price', 'in_kind_nature'):
            if raw.get(name):
                row.error("%s is not for cash: put the money given in "
                    "amount" % name)
    elif kind in {'work', 'in_kind'}:
        if not raw.get('quantity'):
            row.error("quantity is empty (required for %s)" % kind)
        if raw.get('amount'):
            row.error("amount is for cash only: the amount of %s is the "
                "quantity at the unit price" % kind)
        if kind == 'in_kind':
            if not raw.get('unit_price'):
                row.error("unit_price is empty (required for in_kind)")
            if not raw.get('in_kind_nature'):
                row.error("in_kind_nature is empty (goods or service, "
                    "required for in_kind)")
        elif raw.get('in_kind_nature'):
            row.error("in_kind_nature is only for in_kind")
    return row


def check_duplicates(rows):
    "Mark the rows whose reference is on an earlier line of the file"
    seen = {}
    for row in rows:
        reference = row.values.get('reference')
        if not reference:
            continue
        key = (row.values.get('company'), reference)
        if key in seen:
            row.error("duplicate reference %r (already on line %d)" % (
                    reference, seen[key]))
        else:
            seen[key] = row.line


def parse(data, filename='-'):
    "Return the checked rows of the CSV bytes; raise FileError"
    rows = [check_row(r) for r in read_rows(decode(data, filename))]
    check_duplicates(rows)
    return rows


# -- progress -----------------------------------------------------------------

class Progress:
    "A progress bar on a terminal, a line now and then otherwise"

    def __init__(self, total, label, stream=None, width=30, every=10.0):
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.every = every
        self.tty = self.stream.isatty()
        self.started = self.last = time.monotonic()
        self.shown = -1
        self.done = 0

    def update(self, done):
        self.done = done
        now = time.monotonic()
        percent = 100 * done // self.total if self.total else 100
        if self.tty:
            if percent != self.shown or now - self.last >= 0.5:
                filled = self.width * percent // 100
                self.stream.write('\r%s [%s%s] %3d%% %d/%d rows' % (
                        self.label, '#' * filled, ' ' * (self.width - filled),
                        percent, done, self.total))
                self.stream.flush()
                self.shown, self.last = percent, now
        elif now - self.last >= self.every:
            self.stream.write('%s: %d%% %d/%d rows\n' % (
                    self.label, percent, done, self.total))
            self.stream.flush()
            self.last = now

    def close(self):
        if self.tty and self.shown >= 0:
            self.update(self.done)
            self.stream.write('\n')
            self.stream.flush()


# -- database ----------------------------------------------------------------

class BackendError(Exception):
    "A call refused by the server (the message of its UserError)"


def chunks(items, size):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


class Backend:
    "The calls the import needs, in-process or over XML-RPC"
    atomic = False

    def search_read(self, model, domain, fields, context=None):
        raise NotImplementedError

    def create(self, model, vlist, context=None):
        raise NotImplementedError

    def button(self, model, name, ids, context=None):
        raise NotImplementedError

    def delete(self, model, ids, context=None):
        raise NotImplementedError

    def begin(self):
        pass

    def batch(self):
        "Context manager around one batch: undone alone when it fails"
        return _NoBatch()

    def finish(self, commit):
        pass

    def close(self):
        pass


class _NoBatch:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class XmlrpcBackend(Backend):
    "Every call is a transaction of the server"

    def __init__(self, config):
        self.config = config
        self.context = dict(config.context)
        self.proxies = {}

    def proxy(self, model):
        if model not in self.proxies:
            self.proxies[model] = self.config.get_proxy(model)
        return self.proxies[model]

    def _call(self, model, method, *args, context=None):
        import xmlrpc.client
        ctx = dict(self.context, **(context or {}))
        try:
            return getattr(self.proxy(model), method)(*args, ctx)
        except xmlrpc.client.Fault as fault:
            raise BackendError(_fault_message(fault)) from fault

    def search_read(self, model, domain, fields, context=None):
        return self._call(
            model, 'search_read', domain, 0, None, None, fields,
            context=context)

    def create(self, model, vlist, context=None):
        return self._call(model, 'create', vlist, context=context)

    def button(self, model, name, ids, context=None):
        return self._call(model, name, ids, context=context)

    def delete(self, model, ids, context=None):
        return self._call(model, 'delete', ids, context=context)

    def close(self):
        session, self.session = getattr(self, 'session', None), None
        if session is not None:
            try:
                session.__exit__(None, None, None)
            except Exception:
                pass


def _fault_message(fault):
    message = str(fault.faultString)
    # A UserError's string is its message and description as a tuple
    if message.startswith("('") or message.startswith('("'):
        try:
            import ast
            parts = ast.literal_eval(message)
            message = " ".join(p for p in parts if p)
        except (ValueError, SyntaxError, TypeError):
            pass
    return message.strip()


class TrytondBackend(Backend):
    """In-process, in one transaction: nothing is written unless all goes
    well (or --skip-errors), a failed batch is undone to its savepoint"""
    atomic = True

    def __init__(self, config):
        self.config = config
        self.pool = config.pool
        self.transaction = None
        self._savepoint = 0

    def begin(self):
        from trytond.transaction import Transaction
        context = dict(self.config.context, _check_access=True)
        self.transaction = Transaction().start(
            self.config.database_name, self.config.user, context=context)
        # Open the database transaction now: on SQLite the outermost
        # savepoint would otherwise be the transaction itself and
        # releasing it would commit.
        self.cursor = self.transaction.connection.cursor()
        self.cursor.execute('SAVEPOINT import_contributions')

    def _call(self, model, method, *args, context=None):
        from trytond.exceptions import UserError
        Model = self.pool.get(model)
        with self.transaction.set_context(context or {}):
            try:
                return getattr(Model, method)(*args)
            except UserError as exception:
                raise BackendError(_user_error_message(exception)) \
                    from exception

    def search_read(self, model, domain, fields, context=None):
        return self._call(
            model, 'search_read', domain, 0, None, None, fields,
            context=context)

    def create(self, model, vlist, context=None):
        return [r.id for r in self._call(
                model, 'create', vlist, context=context)]

    def button(self, model, name, ids, context=None):
        Model = self.pool.get(model)
        return self._call(model, name, Model.browse(ids), context=context)

    def delete(self, model, ids, context=None):
        Model = self.pool.get(model)
        return self._call(model, 'delete', Model.browse(ids), context=context)

    def batch(self):
        return _Savepoint(self)

    def finish(self, commit):
        transaction, self.transaction = self.transaction, None
        if transaction is not None:
            transaction.stop(commit)

    def close(self):
        self.finish(False)


class _Savepoint:

    def __init__(self, backend):
        self.backend = backend

    def __enter__(self):
        self.backend._savepoint += 1
        self.name = 'import_batch_%d' % self.backend._savepoint
        self.backend.cursor.execute('SAVEPOINT %s' % self.name)
        return self

    def __exit__(self, exc_type, exc, tb):
        cursor = self.backend.cursor
        if exc_type is None:
            cursor.execute('RELEASE SAVEPOINT %s' % self.name)
        else:
            cursor.execute('ROLLBACK TO SAVEPOINT %s' % self.name)
            cursor.execute('RELEASE SAVEPOINT %s' % self.name)
            # What the transaction cached of the undone batch is stale
            self.backend.transaction.cache.clear()
        return False


def _user_error_message(exception):
    return " ".join(
        p for p in (exception.message, exception.description) if p).strip()


def rpc_url(url):
    """Return the RPC address of trytond 8 (/DATABASE/rpc/) of a database
    URL, and the user and password it holds"""
    import urllib.parse
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip('/')
    if not path.endswith('/rpc'):
        path += '/rpc'
    netloc = parts.hostname or ''
    if parts.port:
        netloc += ':%s' % parts.port
    user = urllib.parse.unquote(parts.username or '') or None
    password = urllib.parse.unquote(parts.password or '') or None
    return urllib.parse.urlunsplit(
        parts._replace(netloc=netloc, path=path + '/')), user, password


def connect(options):
    "Return the backend of the options (XML-RPC or in-process)"
    from proteus import config as pconfig
    if options.url:
        url, user, password = rpc_url(options.url)
        if user:
            # One login for the run, not one per call (a password check
            # hashes: it is slow on purpose)
            session = pconfig.set_xmlrpc_session(url, user, password)
            backend = XmlrpcBackend(session.__enter__())
            backend.session = session
            return backend
        return XmlrpcBackend(pconfig.set_xmlrpc(url))
    return TrytondBackend(pconfig.set_trytond(
            options.database, user=options.user,
            config_file=options.config_file))


# -- resolving names to records ----------------------------------------------

class Importer:

    def __init__(self, backend, rows, options, out=None, err=None):
        self.backend = backend
        self.rows = rows
        self.options = options
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.new_parties = {}
        self.created_parties = []

    def lookup(self, model, field, keys, fields=(), domain=(), context=None):
        "Return the records whose field is in keys"
        records = []
        for keys in chunks(sorted(keys), LOOKUP_CHUNK):
            records.extend(self.backend.search_read(
                    model, [(field, 'in', keys), *domain],
                    ['id', field, *fields], context=context))
        return records

    def default_company(self):
        return self.backend_context().get('company')

    def backend_context(self):
        return self.backend.config.context

    def resolve_companies(self):
        rows = [r for r in self.rows if r.ok]
        default = self.default_company()
        keys = {r.values['company'] for r in rows if r.values.get('company')}
        companies = {}
        if keys:
            records = self.backend.search_read('company.company', [], [
                    'id', 'rec_name', 'party'])
            codes = {p['id']: p['code'] for p in self.backend.search_read(
                    'party.party',
                    [('id', 'in', [c['party'] for c in records])],
                    ['id', 'code'])}
            for company in records:
                for key in (company['rec_name'], codes.get(company['party']),
                        str(company['id'])):
                    if key:
                        companies.setdefault(key, set()).add(company['id'])
        for row in rows:
            key = row.values.get('company')
            if key:
                found = companies.get(key, set())
                if len(found) == 1:
                    row.values['company'], = found
                elif found:
                    row.error("company %r is ambiguous" % key)
                else:
                    row.error("unknown company %r" % key)
            elif default:
                row.values['company'] = default
            else:
                row.error("no company: fill the company column or set the "
                    "user's current company")
        # The same company may be named or left empty
        check_duplicates([r for r in rows if r.ok])

    def resolve_resources(self):
        rows = [r for r in self.rows if r.ok]
        by_company = {}
        for row in rows:
            by_company.setdefault(row.values['company'], set()).add(
                row.values['resource'])
        resources = {}
        for company, codes in by_company.items():
            for record in self.lookup(
                    'commons.resource', 'code', codes, ['active'],
                    [('company', '=', company)],
                    context={'active_test': False, 'company': company}):
                resources[company, record['code']] = record
        for row in rows:
            record = resources.get(
                (row.values['company'], row.values['resource']))
            if record is None:
                row.error("unknown resource code %r" % row.values['resource'])
            elif not record['active']:
                row.error("resource %r is archived" % row.values['resource'])
            else:
                row.values['resource'] = record['id']

    def resolve_contributors(self):
        """Match the contributor on the party code, then an identifier
        code, then the exact party name (which must be unique)"""
        rows = [r for r in self.rows if r.ok]
        keys = {r.values['contributor'] for r in rows}
        found = {}
        for record in self.lookup('party.party', 'code', keys):
            found[record['code']] = {record['id']}
        left = keys - found.keys()
        for record in self.lookup('party.identifier', 'code', left, ['party']):
            found.setdefault(record['code'], set()).add(record['party'])
        left = keys - found.keys()
        for record in self.lookup('party.party', 'name', left):
            found.setdefault(record['name'], set()).add(record['id'])
        for row in rows:
            key = row.values['contributor']
            parties = found.get(key)
            if parties and len(parties) == 1:
                row.values['contributor'], = parties
            elif parties:
                row.error("contributor %r matches %d parties: use the party "
                    "code" % (key, len(parties)))
            elif self.options.create_contributors:
                self.new_parties.setdefault(key, []).append(row)
            else:
                row.error("unknown contributor %r (no party with this code, "
                    "identifier or name; --create-contributors creates it)"
                    % key)

    def resolve_references(self):
        "Mark the rows whose reference exists in their company"
        rows = [r for r in self.rows if r.ok]
        by_company = {}
        for row in rows:
            by_company.setdefault(row.values['company'], set()).add(
                row.values['reference'])
        existing = set()
        for company, references in by_company.items():
            for record in self.lookup(
                    MODEL, 'reference', references,
                    domain=[('company', '=', company)],
                    context={'active_test': False, 'company': company}):
                existing.add((company, record['reference']))
        for row in rows:
            if (row.values['company'], row.values['reference']) in existing:
                row.status = 'there'

    def resolve(self):
        self.resolve_companies()
        self.resolve_resources()
        self.resolve_contributors()
        self.resolve_references()

    # -- writing ---------------------------------------------------------

    def create_parties(self):
        names = [n for n, rows in self.new_parties.items()
            if any(r.ok and r.status is None for r in rows)]
        if not names:
            return 0
        ids = self.backend.create(
            'party.party', [{'name': n} for n in names])
        self.created_parties = ids
        for name, id_ in zip(names, ids):
            for row in self.new_parties[name]:
                row.values['contributor'] = id_
        return len(ids)

    def values(self, row):
        values = dict(row.values)
        if 'quantity' in values:
            values['quantity'] = float(values['quantity'])
        return values

    def create_batch(self, rows):
        "Create (and submit) the rows; raise BackendError"
        company = rows[0].values['company']
        context = {'company': company}
        with self.backend.batch():
            ids = self.backend.create(
                MODEL, [self.values(r) for r in rows], context=context)
            if self.options.submit:
                try:
                    self.backend.button(MODEL, 'submit', ids, context=context)
                except BackendError:
                    if not self.backend.atomic:
                        self.backend.delete(MODEL, ids, context=context)
                    raise
        for row, id_ in zip(rows, ids):
            row.id = id_
            row.status = 'created'

    def create(self, progress=None):
        todo = [r for r in self.rows if r.ok and r.status is None]
        by_company = {}
        for row in todo:
            by_company.setdefault(row.values['company'], []).append(row)
        done = 0
        for rows in by_company.values():
            for batch in chunks(rows, self.options.batch_size):
                try:
                    self.create_batch(batch)
                except BackendError:
                    # Find the bad rows one by one
                    for row in batch:
                        try:
                            self.create_batch([row])
                        except BackendError as exception:
                            row.error(str(exception))
                done += len(batch)
                if progress:
                    progress.update(done)

    def undo(self):
        "Delete what this run created (XML-RPC: no transaction to roll back)"
        created = [r for r in self.rows if r.status == 'created']
        by_company = {}
        for row in created:
            by_company.setdefault(row.values['company'], []).append(row.id)
        for company, ids in by_company.items():
            context = {'company': company}
            for ids in chunks(ids, self.options.batch_size):
                if self.options.submit:
                    self.backend.button(MODEL, 'draft', ids, context=context)
                self.backend.delete(MODEL, ids, context=context)
        for row in created:
            row.status, row.id = None, None
        if self.created_parties:
            self.backend.delete('party.party', self.created_parties)
            self.created_parties = []


# -- command line ------------------------------------------------------------

def parse_options(argv=None):
    parser = argparse.ArgumentParser(
        description="Import contributions (commons.contribution) from a "
        "CSV file, in-process on a database (-d) or through a running "
        "trytond server (--url).",
        epilog="Columns: %s. Exit status: 0 done, 1 bad rows or file "
        "(nothing imported without --skip-errors), 2 usage error."
        % expected_columns())
    parser.add_argument('file', help="the CSV file (UTF-8), - for stdin")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument('-d', '--database',
        help="the database, in-process (with -c)")
    target.add_argument('--url',
        help="a running server: http://user:password@host:8000/DATABASE/")
    parser.add_argument('-c', '--config', dest='config_file',
        default=os.environ.get('TRYTOND_CONFIG'),
        help="the trytond configuration file (in-process)")
    parser.add_argument('-u', '--user', default='admin',
        help="the user who imports, in-process (default: %(default)s)")
    parser.add_argument('--dry-run', action='store_true',
        help="check everything, write nothing")
    parser.add_argument('--skip-errors', action='store_true',
        help="import the good rows and report the bad ones")
    parser.add_argument('--submit', action='store_true',
        help="submit the imported contributions")
    parser.add_argument('--create-contributors', action='store_true',
        help="create a party for an unknown contributor (named after it)")
    parser.add_argument('--batch-size', type=int, default=DEFAULT_BATCH,
        metavar='N',
        help="contributions created per call (default: %(default)s)")
    options = parser.parse_args(argv)
    if options.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    if options.url and options.user != 'admin':
        parser.error("--user is for in-process mode; put the user in --url")
    return options


def read_file(options):
    if options.file == '-':
        return sys.stdin.buffer.read(), '<stdin>'
    with open(options.file, 'rb') as fp:
        return fp.read(), options.file


def summary(out, counts, seconds, dry_run):
    rate = counts['read'] / seconds if seconds else 0
    lines = [
        ("rows read", counts['read']),
        ("would be created" if dry_run else "created", counts['created']),
        ("already there", counts['there']),
        ("errors", counts['bad']),
        ]
    if counts.get('parties'):
        lines.append((
                "contributors to create" if dry_run
                else "contributors created", counts['parties']))
    print("Summary%s:" % (" (dry run, nothing written)" if dry_run else ""),
        file=out)
    for label, value in lines:
        print("  %-22s %8d" % (label, value), file=out)
    print("  %-22s %8.1f s (%.0f rows/s)" % ("time", seconds, rate),
        file=out)


def main(argv=None, out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    started = time.monotonic()
    options = parse_options(argv)
    try:
        data, filename = read_file(options)
    except OSError as exception:
        print("error: cannot read %s: %s" % (
                options.file, exception.strerror), file=err)
        return EXIT_USAGE
    try:
        rows = parse(data, filename)
    except FileError as exception:
        print("%s: error: %s" % (filename, exception), file=err)
        return EXIT_ERRORS

    try:
        backend = connect(options)
    except Exception as exception:
        print("error: cannot open %s: %s" % (
                options.url or options.database, exception), file=err)
        return EXIT_ERRORS
    importer = Importer(backend, rows, options, out=out, err=err)
    counts = {}
    try:
        backend.begin()
        importer.resolve()
        bad = [r for r in rows if not r.ok]
        go = not bad or options.skip_errors
        if go and options.dry_run and not backend.atomic:
            go = False
        parties = 0
        if go:
            parties = importer.create_parties()
            todo = sum(1 for r in rows if r.ok and r.status is None)
            progress = (Progress(todo, "importing", stream=err)
                if todo else None)
            try:
                importer.create(progress)
            finally:
                if progress:
                    progress.close()
        else:
            parties = len(importer.new_parties)
        bad = [r for r in rows if not r.ok]
        commit = (not options.dry_run) and (
            not bad or options.skip_errors)
        if not commit and not backend.atomic:
            importer.undo()
        backend.finish(commit)
        if not commit:
            # Rolled back: what a real run would have created
            would = options.dry_run and (not bad or options.skip_errors)
            for row in rows:
                if row.status == 'created':
                    row.status = 'would' if would else None
    finally:
        backend.close()

    for row in rows:
        if row.errors:
            print("%s:%d: %s" % (filename, row.line, "; ".join(row.errors)),
                file=err)
    if bad and not options.skip_errors:
        print("%d bad row(s): nothing imported (fix them, or use "
            "--skip-errors to import the good rows)" % len(bad), file=err)
    counts['read'] = len(rows)
    counts['bad'] = len(bad)
    counts['there'] = sum(1 for r in rows if r.ok and r.status == 'there')
    counts['created'] = sum(1 for r in rows
        if r.ok and r.status in {'created', 'would'})
    if options.dry_run and not backend.atomic:
        # Over XML-RPC the dry run checks without creating
        counts['created'] = sum(1 for r in rows
            if r.ok and r.status is None)
    counts['parties'] = parties
    summary(out, counts, time.monotonic() - started, options.dry_run)
    return EXIT_ERRORS if bad else EXIT_OK


if __name__ == '__main__':
    sys.exit(main())
