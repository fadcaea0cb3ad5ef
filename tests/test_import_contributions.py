# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""scripts/import_contributions.py: the CSV layer alone, then real imports.

The parsing tests need no database.  The database tests build one
throwaway database with commons_contribution and account_fr (through
activate_modules, from the database that the module tests of
commons_contribution cache in DB_CACHE, in a subprocess so that this pytest
process keeps its own trytond configuration) and run the script on it as a
user would, in-process (-c/-d).  The backend is TRYTOND_DATABASE_URI's:
scripts/test.sh runs this file on SQLite and on PostgreSQL.
"""
import datetime as dt
import importlib.util
import os
import subprocess
import sys
import textwrap
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from script_database import URI, ScriptDatabase, pg_connect

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / 'scripts' / 'import_contributions.py'
SAMPLE = ROOT / 'scripts' / 'samples' / 'contributions.csv'
IN_CI = os.environ.get('CI', '').lower() in {'1', 'true', 'yes'}
HEADER = ('reference;date;contributor;resource;kind;description;quantity;'
    'unit_price;remuneration;in_kind_nature')


def _load_script():
    spec = importlib.util.spec_from_file_location(
        'import_contributions', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


imp = _load_script()


# -- the CSV layer, no database ----------------------------------------------

@pytest.mark.parametrize('text, expected', [
        ('12', '12'),
        ('12,5', '12.5'),
        ('12.5', '12.5'),
        ('1 234,50', '1234.50'),
        ('1\u00a0234,50', '1234.50'),
        ('1\u202f234,50', '1234.50'),
        ('1.234,50', '1234.50'),
        ('1,234.50', '1234.50'),
        ('-3,5', '-3.5'),
        (',5', '0.5'),
        ])
def test_parse_decimal(text, expected):
    assert imp.parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize('text', [
        'abc', '1,2,3', '12,5,', '1.2.3', '1e3', 'NaN', 'Infinity', '',
        '1.23,4.5', '12 h'])
def test_parse_decimal_bad(text):
    with pytest.raises(ValueError):
        imp.parse_decimal(text)


@pytest.mark.parametrize('text, expected', [
        ('2023-03-01', dt.date(2023, 3, 1)),
        ('01/03/2023', dt.date(2023, 3, 1)),
        ('1/3/2023', dt.date(2023, 3, 1)),
        (' 2024-02-29 ', dt.date(2024, 2, 29)),
        ])
def test_parse_date(text, expected):
    assert imp.parse_date(text) == expected


@pytest.mark.parametrize('text', [
        '2023-02-30', '32/01/2023', '03/01/23', '2023/03/01', 'mars 2023',
        '2023-3'])
def test_parse_date_bad(text):
    with pytest.raises(ValueError):
        imp.parse_date(text)


def _parse(text, bom=False):
    data = text.encode('utf-8')
    if bom:
        data = b'\xef\xbb\xbf' + data
    return imp.parse(data, 'test.csv')


def _errors(rows):
    return {r.line: '; '.join(r.errors) for r in rows if r.errors}


@pytest.mark.parametrize('delimiter', [';', ',', '\t'])
@pytest.mark.parametrize('bom', [False, True])
def test_delimiters_and_bom(delimiter, bom):
    lines = [
        ['reference', 'date', 'contributor', 'resource', 'kind', 'quantity',
            'unit_price'],
        ['R1', '01/03/2023', 'Alice', 'LOOT', 'work', '12,5' if
            delimiter != ',' else '"12,5"', ''],
        ['R2', '2023-03-02', 'Bob', 'LOOT', 'in_kind', '2', '"1 234,50"'],
        ]
    text = '\r\n'.join(delimiter.join(line) for line in lines) + '\r\n'
    text = text.replace('in_kind' + delimiter + '2',
        'in_kind' + delimiter + '2')
    rows = _parse(text, bom=bom)
    assert [r.line for r in rows] == [2, 3]
    first, second = rows
    assert first.ok, first.errors
    assert first.values == {
        'reference': 'R1', 'date': dt.date(2023, 3, 1),
        'contributor': 'Alice', 'resource': 'LOOT', 'kind': 'work',
        'quantity': Decimal('12.5'),
        }
    # in_kind needs its nature
    assert second.errors == [
        "in_kind_nature is empty (goods or service, required for in_kind)"]
    assert second.values['unit_price'] == Decimal('1234.50')


def test_header_errors():
    with pytest.raises(imp.FileError) as info:
        _parse('reference;date;contributor;resources;kind;hours\n'
            'R1;2023-03-01;Alice;LOOT;work;3\n')
    message = str(info.value)
    assert message.startswith('wrong header (line 1)')
    assert "unknown column(s) 'resources', 'hours'" in message
    assert 'missing column(s) resource, quantity or amount' in message
    assert 'expected columns: reference, date, contributor' in message

    with pytest.raises(imp.FileError, match='repeated column'):
        _parse(HEADER + ';date\n')
    with pytest.raises(imp.FileError, match='empty'):
        _parse('\n\n')


def test_not_utf8():
    with pytest.raises(imp.FileError, match=r'not UTF-8 \(line 3'):
        imp.parse(
            (HEADER + '\nR1;2023-03-01;A;B;work;x;1;;;\n'
                'R2;2023-03-01;Andr\xe9;B;work;x;1;;;\n').encode('latin-1'),
            'test.csv')


def test_header_case_and_spaces():
    rows = _parse(
        ' Reference ;Date;Contributor;Resource;Kind;Quantity;Unit Price;'
        'In-Kind Nature\nR1;2023-03-01;A;B;in kind;1;2;biens\n')
    assert rows[0].ok, rows[0].errors
    assert rows[0].values['kind'] == 'in_kind'
    assert rows[0].values['in_kind_nature'] == 'goods'


def test_bad_rows():
    rows = _parse('\n'.join([
                HEADER,
                'R1;2023-02-30;Alice;LOOT;work;;3;;;',
                'R2;2023-03-01;Alice;LOOT;work;;-3;;;',
                'R3;2023-03-01;Alice;LOOT;work;;abc;;;',
                'R1;2023-03-01;Alice;LOOT;work;;3;;;',
                '',
                ';2023-03-01;;LOOT;job;;3;;paid;',
                'R6;2023-03-01;Alice;LOOT;cash;;3;;;',
                'R7;2023-03-01;Alice;LOOT;work;;3,123;;;',
                'R8;2023-03-01;Alice;LOOT;work;;3;;;goods',
                'R9;2023-03-01;Alice;LOOT;work;;0;;;',
                'R10;2023-03-01;Alice;LOOT;work;;3;;',
                'R11;2023-03-01;Alice;LOOT;work;"two\nlines";3;;;',
                'R12;2023-03-01;Alice;LOOT;work;;3;;;',
                ]) + '\n')
    assert _errors(rows) == {
        2: "bad date '2023-02-30' (expected 2023-03-01 or 01/03/2023)",
        3: "negative hours -3",
        4: "bad number 'abc' in quantity",
        5: "duplicate reference 'R1' (already on line 2)",
        7: "reference is empty; contributor is empty; bad kind 'job' "
        "(expected cash or in_kind or work)",
        8: "amount is empty (required for cash); quantity is not for cash: "
        "put the money given in amount",
        9: "quantity 3,123 has more than 2 decimals",
        10: "in_kind_nature is only for in_kind",
        11: "quantity must be greater than zero",
        12: "9 fields where the header has 10 (check the delimiter ';' and "
        "the quotes)",
        }
    # A quoted field over two lines: the next row keeps its file line
    assert [r.line for r in rows if r.ok] == [13, 15]
    assert rows[-2].values['description'] == 'two\nlines'


def test_sample_file_parses():
    rows = imp.parse(SAMPLE.read_bytes(), str(SAMPLE))
    assert rows
    assert not _errors(rows)
    assert {r.values['kind'] for r in rows} == {'work', 'in_kind', 'cash'}


def test_progress_not_a_tty(capsys):
    import io

    class Stream(io.StringIO):
        def isatty(self):
            return False
    stream = Stream()
    progress = imp.Progress(1000, 'importing', stream=stream, every=0)
    progress.update(400)
    progress.close()
    assert stream.getvalue() == 'importing: 40% 400/1000 rows\n'

    class Tty(Stream):
        def isatty(self):
            return True
    stream = Tty()
    progress = imp.Progress(1000, 'importing', stream=stream, width=10)
    progress.update(400)
    progress.close()
    assert '\rimporting [####      ]  40% 400/1000 rows' in stream.getvalue()
    assert stream.getvalue().endswith('\n')


def test_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        imp.parse_options(['file.csv'])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        imp.parse_options(['-d', 'x', '--batch-size', '0', 'file.csv'])
    assert info.value.code == 2


# -- imports into a database -------------------------------------------------

# Run in a subprocess with DB_NAME set: activate the module (through the
# DB_CACHE of scripts/test.sh when set), then make what the CSV files name.
SETUP = textwrap.dedent('''\
    import json
    import sys
    from decimal import Decimal

    from proteus import Model
    from trytond.modules.commons_fund.tests.tools import activate_modules
    from trytond.modules.company.tests.tools import (
        create_company, get_company)

    config = activate_modules(
        ['commons_contribution', 'account_fr'], create_company)
    company = get_company()
    User = Model.get('res.user')
    admin, = User.find([('login', '=', 'admin')])
    admin.password = 'admin-import-test'
    admin.save()

    Configuration = Model.get('commons.configuration')
    configuration = Configuration(1)
    configuration.default_hourly_rate = Decimal('35')
    configuration.save()

    Resource = Model.get('commons.resource')
    for code, name, rate in [
            ('LOOT', "Logiciel LOOT", None),
            ('DOKOS', "DOKOS", Decimal('40')),
            ('FREE', "Gratuit", Decimal('0')),
            ('OLD', "Archivé", None)]:
        resource = Resource(code=code, name=name, kind='software')
        resource.contribution_hourly_rate = rate
        resource.save()
    old, = Resource.find([('code', '=', 'OLD')])
    old.active = False
    old.save()

    Party = Model.get('party.party')
    parties = {}
    for name in ["Alice Martin", "Bruno Petit", "Homonyme", "Homonyme"]:
        party = Party(name=name)
        if name == "Bruno Petit":
            identifier = party.identifiers.new()
            identifier.code = 'SIRET-123'
        party.save()
        parties.setdefault(name, party.code)
    Rate = Model.get('commons.contribution.rate')
    alice, = Party.find([('name', '=', "Alice Martin")])
    rate = Rate(party=alice, rate=Decimal('50'))
    rate.save()
    json.dump({'company': company.id, 'parties': parties}, sys.stdout)
    ''')


class Database(ScriptDatabase):
    "A throwaway database with the module, and the script run on it"

    def __init__(self, name, folder):
        super().__init__(name, folder, SETUP, SCRIPT)

    def count(self):
        (count,), = self.query('SELECT COUNT(*) FROM commons_contribution')
        return count

    def run(self, csv_text, *args, name='import.csv'):
        "Run the script on the CSV text: (exit status, stdout, stderr)"
        path = self.folder / name
        path.write_text(csv_text, encoding='utf-8')
        return self.run_script(*args, str(path))


@pytest.fixture(scope='module')
def database(tmp_path_factory):
    if URI.startswith('postgresql'):
        import psycopg
        try:
            pg_connect('postgres').close()
        except psycopg.Error as exception:
            message = f"PostgreSQL does not answer at {URI}: {exception}"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
    folder = tmp_path_factory.mktemp('import-contributions')
    db = Database('commons_import_%s' % uuid.uuid4().hex[:12], folder)
    try:
        db.build()
        yield db
    finally:
        db.drop()


@pytest.fixture
def clean(database):
    "The database without contributions"
    database.query('DELETE FROM commons_contribution')
    return database


def _dec(value):
    "A Decimal of what the driver returns (SQLite: the bytes of the text)"
    if isinstance(value, bytes):
        value = value.decode()
    return Decimal(str(value))


def _csv(rows, header=HEADER):
    return '\n'.join([header, *rows]) + '\n'


def _summary(stdout):
    "The numbers of the summary: {label: int}"
    numbers = {}
    for line in stdout.splitlines():
        parts = line.rsplit(None, 1)
        if line.startswith('  ') and len(parts) == 2 \
                and parts[1].isdigit():
            numbers[parts[0].strip()] = int(parts[1])
    return numbers


def _many(count):
    "count rows of every kind, French and ISO notations"
    rows = []
    for i in range(count):
        date = '%02d/03/2023' % (i % 28 + 1) if i % 2 else (
            '2023-04-%02d' % (i % 28 + 1))
        contributor = ["Alice Martin", 'SIRET-123'][i % 2]
        resource = ['LOOT', 'DOKOS'][i // 2 % 2]
        if i % 10 == 9:
            rows.append('IMP-%05d;%s;%s;%s;in_kind;Prêt n°%d;2;'
                '"1 234,50";volunteer;goods' % (
                    i, date, contributor, resource, i))
        else:
            rows.append('IMP-%05d;%s;%s;%s;work;Heures n°%d;%s;;%s;' % (
                    i, date, contributor, resource, i,
                    '12,5' if i % 3 else '3.25',
                    'paid' if i % 4 else 'volunteer'))
    return _csv(rows)


def test_import_1000_then_again(clean):
    db = clean
    text = _many(1000)
    status, out, err = db.run(text)
    assert status == 0, out + err
    summary = _summary(out)
    assert summary['rows read'] == 1000
    assert summary['created'] == 1000, out
    assert summary['already there'] == 0
    assert summary['errors'] == 0
    assert db.count() == 1000
    assert 'rows/s' in out

    rows = db.query(
        'SELECT c.reference, c.quantity, c.unit_price, c.amount, c.kind, '
        'c.remuneration, c.in_kind_nature, c.state, c.date, p.name, '
        'r.code FROM commons_contribution AS c '
        'JOIN party_party AS p ON p.id = c.contributor '
        'JOIN commons_resource AS r ON r.id = c.resource '
        "WHERE c.reference IN ('IMP-00001', 'IMP-00002', 'IMP-00009') "
        'ORDER BY c.reference')
    by_ref = {r[0]: r[1:] for r in rows}
    # French decimals and dates; the rate grid: the resource DOKOS (40)
    # for Bruno, the contributor's own rate (50) for Alice
    quantity, unit_price, amount, kind, remuneration, nature, state, \
        date, party, resource = by_ref['IMP-00001']
    assert (float(quantity), _dec(unit_price), kind, remuneration,
        state, str(date)[:10], party, resource) == (
        12.5, Decimal('35'), 'work', 'paid', 'draft', '2023-03-02',
        "Bruno Petit", 'LOOT')
    assert _dec(amount) == Decimal('437.50')
    quantity, unit_price, amount, *_, party, resource = by_ref['IMP-00002']
    assert (float(quantity), _dec(unit_price), party, resource) == (
        12.5, Decimal('50'), "Alice Martin", 'DOKOS')
    quantity, unit_price, amount, kind, remuneration, nature, *_ = \
        by_ref['IMP-00009']
    assert (kind, nature, _dec(unit_price), _dec(amount)) \
        == ('in_kind', 'goods', Decimal('1234.5'), Decimal('2469.00'))

    before = db.query(
        'SELECT MAX(id), MAX(COALESCE(write_date, create_date)) '
        'FROM commons_contribution')
    status, out, err = db.run(text)
    assert status == 0, out + err
    summary = _summary(out)
    assert summary['created'] == 0
    assert summary['already there'] == 1000
    assert db.count() == 1000
    assert db.query(
        'SELECT MAX(id), MAX(COALESCE(write_date, create_date)) '
        'FROM commons_contribution') == before


GOOD = [
    'G1;2023-03-01;Alice Martin;LOOT;work;ok;2;;;',
    'G2;01/03/2023;SIRET-123;DOKOS;work;ok;"1,5";;paid;',
    ]


@pytest.mark.parametrize('rows, header, expected', [
        (GOOD + ['B1;2023-03-01;Alice Martin;NOPE;work;;2;;;'], HEADER,
            "import.csv:4: unknown resource code 'NOPE'"),
        (['B1;2023-03-01;Alice Martin;OLD;work;;2;;;'] + GOOD, HEADER,
            "import.csv:2: resource 'OLD' is archived"),
        (GOOD + ['B1;31/02/2023;Alice Martin;LOOT;work;;2;;;'], HEADER,
            "import.csv:4: bad date '31/02/2023' (expected 2023-03-01 or "
            "01/03/2023)"),
        (GOOD + ['G1;2023-03-02;Alice Martin;LOOT;work;;2;;;'], HEADER,
            "import.csv:4: duplicate reference 'G1' (already on line 2)"),
        (GOOD + ['B1;2023-03-01;Alice Martin;LOOT;work;;-2,5;;;'], HEADER,
            "import.csv:4: negative hours -2,5"),
        (GOOD + ['B1;2023-03-01;Nobody;LOOT;work;;2;;;'], HEADER,
            "import.csv:4: unknown contributor 'Nobody'"),
        (GOOD + ['B1;2023-03-01;Homonyme;LOOT;work;;2;;;'], HEADER,
            "import.csv:4: contributor 'Homonyme' matches 2 parties"),
        # The module's own rule, found when creating: paid work at 0
        (GOOD + ['B1;2023-03-01;Bruno Petit;FREE;work;;2;;paid;'], HEADER,
            'import.csv:4: The paid work "Bruno Petit - FREE" must have an '
            'hourly rate'),
        ([g.replace(';ok;', ';') for g in GOOD], HEADER.replace(
                'description;', 'comment;'),
            "import.csv: error: wrong header (line 1): unknown column(s) "
            "'comment'; expected columns: reference, date, contributor, "
            "resource, kind, description (optional)"),
        ], ids=['unknown resource', 'archived resource', 'bad date',
        'duplicate reference', 'negative hours', 'unknown contributor',
        'ambiguous contributor', 'module rule', 'wrong column'])
def test_bad_input_imports_nothing(clean, rows, header, expected):
    db = clean
    status, out, err = db.run(_csv(rows, header))
    assert status == 1, out + err
    assert expected in err, err
    assert db.count() == 0
    if 'header' not in expected:
        assert 'nothing imported' in err
        assert _summary(out)['created'] == 0


def test_skip_errors(clean):
    db = clean
    header = HEADER.replace('unit_price;', 'unit_price;amount;')
    rows = [g.replace(';;', ';;;', 1) for g in GOOD] + [
        'B1;2023-03-01;Alice Martin;NOPE;work;;2;;;;',
        'B2;2023-13-01;Alice Martin;LOOT;work;;2;;;;',
        'B3;2023-03-01;Bruno Petit;FREE;work;;2;;;paid;',
        'G3;2023-03-03;Alice Martin;LOOT;cash;Don;;;"1 000,5";;',
        'G4;2023-03-03;Alice Martin;LOOT;in_kind;Salle;3;12,5;;;service',
        ]
    status, out, err = db.run(_csv(rows, header), '--skip-errors')
    assert status == 1, out + err
    assert "import.csv:4: unknown resource code 'NOPE'" in err
    assert "import.csv:5: bad date '2023-13-01'" in err
    assert 'import.csv:6: The paid work "Bruno Petit' in err
    assert 'nothing imported' not in err
    summary = _summary(out)
    assert (summary['created'], summary['errors']) == (4, 3), out + err
    assert sorted(r for r, in db.query(
                'SELECT reference FROM commons_contribution')) == [
        'G1', 'G2', 'G3', 'G4']
    (amount,), = db.query(
        "SELECT amount FROM commons_contribution WHERE reference = 'G3'")
    assert _dec(amount) == Decimal('1000.5')
    (amount,), = db.query(
        "SELECT amount FROM commons_contribution WHERE reference = 'G4'")
    assert _dec(amount) == Decimal('37.5')


def test_dry_run_writes_nothing(clean):
    db = clean
    status, out, err = db.run(_csv(GOOD), '--dry-run')
    assert status == 0, out + err
    assert 'dry run, nothing written' in out
    assert _summary(out)['would be created'] == 2
    assert db.count() == 0

    # In-process the dry run creates and rolls back: the module's own
    # rules are checked too
    rows = GOOD + ['B1;2023-03-01;Bruno Petit;FREE;work;;2;;paid;']
    status, out, err = db.run(_csv(rows), '--dry-run')
    assert status == 1, out + err
    assert 'import.csv:4: The paid work "Bruno Petit' in err
    assert db.count() == 0


def test_submit_and_create_contributors(clean):
    db = clean
    rows = GOOD + ['N1;2023-03-01;Nouvelle Personne;LOOT;work;;1;;;']
    status, out, err = db.run(_csv(rows))
    assert status == 1
    assert "import.csv:4: unknown contributor 'Nouvelle Personne'" in err

    status, out, err = db.run(
        _csv(rows), '--submit', '--create-contributors')
    assert status == 0, out + err
    assert _summary(out)['contributors created'] == 1
    assert db.query(
        'SELECT c.state, p.name FROM commons_contribution AS c '
        'JOIN party_party AS p ON p.id = c.contributor '
        "WHERE c.reference = 'N1'") == [('submitted', "Nouvelle Personne")]
    assert {s for s, in db.query(
                'SELECT state FROM commons_contribution')} == {'submitted'}


def test_sample_file_imports(clean):
    db = clean
    text = SAMPLE.read_text(encoding='utf-8')
    # The sample names the parties and resources of the demo
    for name in ["Collectif LOOT", "Association Movilab", "Communauté Dokos",
            "Association Open Atlas", "Claire Dubois"]:
        text = text.replace(';%s;' % name, ';Alice Martin;')
    for code in ['MOVILAB', 'COMMUNECTER', 'FORUM-TL', 'CHAT-TL']:
        text = text.replace(';%s;' % code, ';LOOT;')
    status, out, err = db.run(text, '--batch-size', '2')
    assert status == 0, out + err
    assert db.count() == len(text.strip().splitlines()) - 1


def _free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(clean):
    "trytond serving the database: the URL of the script's --url"
    import time
    import urllib.error
    import urllib.request
    db = clean
    port = _free_port()
    config = db.folder / 'server.conf'
    config.write_text(db.config.read_text()
        + "\n[web]\nlisten = 127.0.0.1:%s\n" % port)
    log = open(db.folder / 'trytond.log', 'wb')
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / 'trytond'), '-c', str(config),
            '-d', db.name],
        stdout=log, stderr=subprocess.STDOUT, env=db.env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (
                db.folder / 'trytond.log').read_text()
            try:
                urllib.request.urlopen(
                    'http://127.0.0.1:%s/' % port, timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, (
                db.folder / 'trytond.log').read_text()
            time.sleep(0.3)
        yield 'http://admin:admin-import-test@127.0.0.1:%s/%s/' % (
            port, db.name)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_xmlrpc(clean, server):
    db = clean

    def run(text, *args):
        path = db.folder / 'rpc.csv'
        path.write_text(text, encoding='utf-8')
        result = subprocess.run(
            [sys.executable, str(SCRIPT), '--url', server, *args,
                str(path)],
            env=db.env, capture_output=True, text=True, timeout=300)
        return result.returncode, result.stdout, result.stderr

    # The module refuses the last row when creating it: what this run
    # created before is deleted again
    rows = GOOD + ['B1;2023-03-01;Bruno Petit;FREE;work;;2;;paid;']
    status, out, err = run(_csv(rows), '--batch-size', '1', '--submit')
    assert status == 1, out + err
    assert 'rpc.csv:4: The paid work "Bruno Petit' in err, err
    assert db.count() == 0

    status, out, err = run(_csv(rows), '--dry-run')
    assert status == 0, out + err
    assert _summary(out)['would be created'] == 3
    assert db.count() == 0

    status, out, err = run(_csv(rows), '--skip-errors', '--submit')
    assert status == 1, out + err
    assert _summary(out)['created'] == 2
    assert db.query(
        'SELECT reference, state FROM commons_contribution '
        'ORDER BY reference') == [('G1', 'submitted'), ('G2', 'submitted')]

    status, out, err = run(_csv(GOOD))
    assert status == 0, out + err
    assert _summary(out)['already there'] == 2
    assert db.count() == 2
