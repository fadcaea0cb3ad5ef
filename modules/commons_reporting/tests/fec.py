# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The format rules of the Fichier des Écritures Comptables.

They are those of article A47 A-1 of the Livre des procédures fiscales and
of the administration's notice (BOI-CF-IOR-60-40-20), for a file of 18
fields (accounts kept in a commercial or association accounting): no
third-party validator is available, so the rules are written here and
applied to the file that account_fr exports.
"""
import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation

HEADER = [
    'JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum',
    'CompteLib', 'CompAuxNum', 'CompAuxLib', 'PieceRef', 'PieceDate',
    'EcritureLib', 'Debit', 'Credit', 'EcritureLet', 'DateLet', 'ValidDate',
    'Montantdevise', 'Idevise',
    ]
REQUIRED = [
    'JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum',
    'CompteLib', 'PieceRef', 'PieceDate', 'EcritureLib', 'ValidDate',
    ]
DATES = ['EcritureDate', 'PieceDate', 'DateLet', 'ValidDate']
# Fields that are filled together or left empty together
PAIRS = [
    ('CompAuxNum', 'CompAuxLib'),
    ('EcritureLet', 'DateLet'),
    ('Montantdevise', 'Idevise'),
    ]
AMOUNT = re.compile(r'^-?\d+(,\d{1,2})?$')
FILENAME = re.compile(r'^(?P<siren>\d{9})FEC(?P<date>\d{8})(\.(csv|txt))?$')


def _date(value):
    if not re.fullmatch(r'\d{8}', value):
        return None
    try:
        return dt.datetime.strptime(value, '%Y%m%d').date()
    except ValueError:
        return None


def _amount(value):
    if not AMOUNT.match(value):
        return None
    try:
        return Decimal(value.replace(',', '.'))
    except InvalidOperation:
        return None


def _sequence_gaps(numbers, start=None):
    """Return the missing numbers of a sequence of move numbers, from start
    or from the smallest"""
    parsed = defaultdict(set)
    for number in numbers:
        match = re.fullmatch(r'(.*?)(\d+)', number)
        if not match:
            return None
        parsed[match.group(1)].add(int(match.group(2)))
    gaps = []
    for prefix, values in parsed.items():
        first = min(values) if start is None else start
        expected = set(range(first, max(values) + 1))
        gaps.extend('%s%s' % (prefix, n) for n in sorted(expected - values))
    return gaps


def check(content, filename=None, siren=None, start_date=None,
        end_date=None, opening_code='OUV'):
    """Return the list of the rules the FEC content breaks, as sentences
    naming the line (1 is the header) and the field.

    content is the file's bytes; filename, when given, must be
    <SIREN>FEC<AAAAMMJJ of the closing date>; siren, start_date and
    end_date are the company's and the fiscal year's."""
    problems = []
    try:
        text = content.decode('utf-8')
    except UnicodeDecodeError:
        try:
            text = content.decode('iso-8859-15')
        except UnicodeDecodeError:
            return ["the file is neither UTF-8 nor ISO 8859-15"]
    if text.startswith('\ufeff'):
        text = text[1:]
    lines = text.splitlines()
    if not lines:
        return ["the file is empty"]
    header = lines[0]
    if '\t' in header:
        separator = '\t'
    elif '|' in header:
        separator = '|'
    else:
        return ["line 1: the fields are separated neither by a tabulation "
            "nor by a vertical bar"]
    if header.split(separator) != HEADER:
        problems.append("line 1: the header is not the 18 fields in order: "
            "%s" % header.split(separator))
        return problems

    if filename is not None:
        match = FILENAME.match(filename)
        if not match:
            problems.append("the file name %r is not SirenFECAAAAMMJJ"
                % filename)
        else:
            if siren and match.group('siren') != siren:
                problems.append("the file name %r does not start with the "
                    "SIREN %s" % (filename, siren))
            if end_date and _date(match.group('date')) != end_date:
                problems.append("the file name %r does not end with the "
                    "closing date %s" % (filename, end_date))

    moves = defaultdict(lambda: [Decimal(0), Decimal(0)])
    move_dates = defaultdict(set)
    numbers = defaultdict(list)
    previous_valid = None
    for index, line in enumerate(lines[1:], 2):
        values = line.split(separator)
        if len(values) != len(HEADER):
            problems.append("line %s: %s fields instead of 18"
                % (index, len(values)))
            continue
        row = dict(zip(HEADER, values))
        for name in REQUIRED:
            if not row[name].strip():
                problems.append("line %s: %s is empty" % (index, name))
        for name in DATES:
            if row[name] and _date(row[name]) is None:
                problems.append("line %s: %s %r is not a date AAAAMMJJ"
                    % (index, name, row[name]))
        for first, second in PAIRS:
            if bool(row[first].strip()) != bool(row[second].strip()):
                problems.append("line %s: %s and %s are not filled together"
                    % (index, first, second))
        debit, credit = _amount(row['Debit']), _amount(row['Credit'])
        for name, value in [('Debit', debit), ('Credit', credit)]:
            if value is None:
                problems.append("line %s: %s %r is not an amount with a "
                    "comma and at most 2 decimals, without thousands "
                    "separator" % (index, name, row[name]))
            elif value < 0:
                problems.append("line %s: %s is negative" % (index, name))
        if debit is None or credit is None:
            continue
        if debit and credit:
            problems.append("line %s: both Debit and Credit are filled"
                % index)
        if not debit and not credit:
            problems.append("line %s: a line without amount" % index)
        entry_date = _date(row['EcritureDate'])
        if entry_date and start_date and end_date and not (
                start_date <= entry_date <= end_date):
            problems.append("line %s: EcritureDate %s is outside the "
                "fiscal year" % (index, row['EcritureDate']))
        valid_date = _date(row['ValidDate'])
        if (valid_date and entry_date
                and row['JournalCode'] != opening_code
                and valid_date < entry_date):
            problems.append("line %s: ValidDate %s before EcritureDate %s"
                % (index, row['ValidDate'], row['EcritureDate']))
        if valid_date and row['JournalCode'] != opening_code:
            if previous_valid and valid_date < previous_valid:
                problems.append("line %s: the entries are not in the order "
                    "of their validation date" % index)
            previous_valid = valid_date
        key = (row['JournalCode'], row['EcritureNum'])
        if key not in moves and row['JournalCode'] != opening_code:
            numbers[row['JournalCode']].append(row['EcritureNum'])
        moves[key][0] += debit
        moves[key][1] += credit
        move_dates[key].add(row['EcritureDate'])

    for (journal, number), (debit, credit) in moves.items():
        if debit != credit:
            problems.append("entry %s %s is not balanced: debit %s, "
                "credit %s" % (journal, number, debit, credit))
        if len(move_dates[journal, number]) > 1:
            problems.append("entry %s %s has several dates" % (
                    journal, number))

    # EcritureNum is "a number on a continuous sequence": either one
    # sequence for the file or one per journal from its first number
    every = [n for values in numbers.values() for n in values]
    if len(every) != len(set(every)) and any(
            len(v) != len(set(v)) for v in numbers.values()):
        problems.append("an entry number is used twice in a journal")
    overall = _sequence_gaps(every)
    per_journal = [_sequence_gaps(v, start=1) for v in numbers.values()]
    if overall is None or None in per_journal:
        problems.append("an entry number does not end with digits")
    elif overall and any(per_journal):
        problems.append("the entry numbers have gaps: %s"
            % ', '.join(overall[:10]))
    return problems
