# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import math
from contextlib import contextmanager
from decimal import Decimal

from sql import Column
from sql.functions import CharLength, CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, TransactionError, without_check_access)
from trytond.wizard import StateView

from .exceptions import NumberError, ValueTypeError

# Record ids are INTEGER columns
MAX_ID = 2 ** 31 - 1
# No amount of an association comes near it, and sums of millions of such
# amounts keep their cents in the 15 digits that SQLite and floats hold
MAX_AMOUNT = Decimal(10) ** 12


def check_value(Model, name, value):
    "Raise if value is not one a field of Model can hold"
    field = Model._fields.get(name)
    if field is None or value is None:
        return
    if isinstance(field, fields.Function):
        field = field._field
    if isinstance(field, fields.Many2One):
        valid = (isinstance(value, int) and not isinstance(value, bool)
            and 0 < value <= MAX_ID)
    elif isinstance(field, (fields.Numeric, fields.Float)):
        valid = (isinstance(value, (int, float, Decimal))
            and not isinstance(value, bool))
        if valid:
            if isinstance(value, Decimal):
                valid = value.is_finite()
            else:
                valid = math.isfinite(value)
        if valid and abs(value) >= MAX_AMOUNT:
            lang = Pool().get('ir.lang').get()
            raise ValueTypeError(gettext(
                    'commons_fund.msg_value_too_large',
                    value=lang.format('%.2f', value, grouping=True),
                    maximum=lang.format('%d', MAX_AMOUNT, grouping=True),
                    **Model.__names__(name)))
    elif isinstance(field, fields.Selection):
        selection = field.selection
        if isinstance(selection, (list, tuple)):
            valid = value in {k for k, _ in selection}
        else:
            valid = isinstance(value, str)
    elif isinstance(field, fields.Integer):
        valid = (isinstance(value, int) and not isinstance(value, bool)
            and abs(value) <= MAX_ID)
    elif isinstance(field, fields.DateTime):
        valid = isinstance(value, dt.datetime)
    elif isinstance(field, fields.Date):
        valid = isinstance(value, dt.date) and not isinstance(
            value, dt.datetime)
    else:
        valid = True
    if not valid:
        if not isinstance(value, (int, float, Decimal)):
            value = repr(value)
        raise ValueTypeError(gettext(
                'commons_fund.msg_value_invalid',
                value=str(value)[:40],
                **Model.__names__(name)))


def context_id(name):
    "Return the id of the context's name, refused if it is not one"
    value = Transaction().context.get(name)
    if value is not None and (
            not isinstance(value, int) or isinstance(value, bool)
            or not 0 < value <= MAX_ID):
        raise ValueTypeError(gettext(
                'commons_fund.msg_context_value', name=name,
                value=repr(value)[:40]))
    return value


def host_language(company):
    "Return the language of the host: its party's, when translated"
    lang = company.party.lang
    if lang and lang.translatable:
        return lang


def check_required(record):
    "Raise if a required field of the record (a wizard's form) is empty"
    for name, field in record._fields.items():
        value = getattr(record, name, None)
        if field.required and value is None:
            raise ValueTypeError(gettext(
                    'commons_fund.msg_value_required',
                    **record.__names__(name)))
        check_value(record.__class__, name, getattr(value, 'id', value))


class CheckValuesMixin:
    __slots__ = ()

    @classmethod
    def preprocess_values(cls, mode, values):
        for name, value in values.items():
            check_value(cls, name, value)
        return super().preprocess_values(mode, values)


class LockMixin:
    __slots__ = ()

    @classmethod
    def lock(cls, records=None):
        super().lock(records)
        # SQLite has no row lock and reads outside of a transaction until
        # the first write: take its one write lock now, before what the
        # lock guards is read, as PostgreSQL's row lock does
        connection = Transaction().connection
        if backend.name == 'sqlite' and not connection.in_transaction:
            connection.execute('BEGIN IMMEDIATE')


class _LocksError(TransactionError):
    "The locks of several models, asked by one restart of the transaction"

    def __init__(self, errors):
        super().__init__()
        self._errors = errors

    def fix(self, extras):
        super().fix(extras)
        for error in self._errors:
            error.fix(extras)


@contextmanager
def locking():
    """Return a function lock(Model, records) that locks the records, each
    lock missing being asked at the exit, by one restart of the call.

    Tryton restarts the whole call for each lock not taken at its start:
    the locks whose records are found by reading the locked ones are asked
    with them.  What runs before the exit may read records not locked: on
    the first run, anything it raises gives way to the restart."""
    errors = []

    def lock(Model, records):
        try:
            Model.lock(records)
        except TransactionError as error:
            errors.append(error)
    try:
        yield lock
    except TransactionError as error:
        raise _LocksError(errors + [error])
    except Exception:
        if errors:
            raise _LocksError(errors)
        raise
    if errors:
        raise _LocksError(errors)


class ExplanationMixin:
    "Explain a computation with a message rendered in the reader's language"
    __slots__ = ()
    explanation_message = fields.Char(
        "Explanation Message", readonly=True,
        help="The XML id of the message that explains the computation.")
    explanation_values = fields.Dict(
        None, "Explanation Values", readonly=True,
        help="The figures and keys the explanation is made of.")
    explanation_text = fields.Text(
        "Explanation Text", readonly=True,
        help="The explanation written before it was kept as figures.")
    explanation = fields.Function(fields.Text(
            "Explanation",
            help="How the computation came to its result."),
        'get_explanation')

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)

        # Migration from 8.0.0: the explanation was stored as text
        if (table_h.column_exist('explanation')
                and not table_h.column_exist('explanation_text')):
            table_h.column_rename('explanation', 'explanation_text')

        super().__register__(module)

    @classmethod
    def get_explanation(cls, records, name):
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        explanations = {}
        for record in records:
            if record.explanation_message:
                values = {
                    k: record._get_explanation_value(k, v, lang)
                    for k, v in (record.explanation_values or {}).items()}
                explanations[record.id] = gettext(
                    record.explanation_message, **values)
            else:
                explanations[record.id] = record.explanation_text
        return explanations

    def _get_explanation_value(self, name, value, lang):
        "Return the value of the explanation written for lang"
        if name in {'share', 'rate'}:
            percent = (Decimal(value) * 100).normalize()
            digits = max(-percent.as_tuple().exponent, 0)
            return '%s %%' % lang.format('%%.%sf' % digits, percent)
        elif name == 'value':
            return lang.format('%.2f', Decimal(value), grouping=True)
        elif name == 'grade':
            Grade = Pool().get('commons.round.grade')
            grades = dict(Grade.fields_get(['grade'])['grade']['selection'])
            return grades.get(value, value)
        elif isinstance(value, Decimal):
            return lang.currency(value, self.currency, grouping=True)
        elif isinstance(value, int):
            return lang.format('%d', value, grouping=True)
        elif isinstance(value, dt.date):
            return lang.strftime(value)
        return value

    @classmethod
    def explanation_fields(cls, message, **values):
        "Return the values that store the explanation of message"
        return {
            'explanation_message': message,
            'explanation_values': values,
            }


class NumberMixin:
    __slots__ = ()
    # The configuration field of the sequence
    _number_sequence = None
    number = fields.Char(
        "Number", readonly=True,
        help="The reference of the document, given by its sequence when it "
        "leaves draft.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints.append(
            ('number_company_uniq', Unique(t, t.company, t.number),
                'commons_fund.msg_number_unique'))
        cls._sql_indexes.add(Index(t, (t.number, Index.Similarity())))

    @classmethod
    def order_number(cls, tables):
        table, _ = tables[None]
        return [CharLength(table.number), table.number]

    def _get_number_date(self):
        "Return the date whose year the number shows"
        return self.date

    @classmethod
    def set_number(cls, records):
        "Give the next number of their sequence to the records without one"
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        configuration = Configuration(1)
        to_number = [r for r in records if not r.number]
        for record in to_number:
            sequence = configuration.get_required(
                cls._number_sequence, company=record.company.id)
            with Transaction().set_context(date=record._get_number_date()):
                record.number = sequence.get()
        cls.save(to_number)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        # Only the sequence numbers a document, whatever a client sends
        if external and (
                (mode == 'create' and any(r.number for r in records))
                or (mode == 'write' and 'number' in values)):
            raise NumberError(gettext(
                    'commons_fund.msg_number_modify',
                    record=records[0].rec_name))

    @classmethod
    def copy(cls, records, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number')
        return super().copy(records, default=default)


class YearEndRowMixin:
    __slots__ = ()
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year", required=True, readonly=True,
        ondelete='RESTRICT',
        help="The fiscal year at whose end the row was computed.")
    fund = fields.Many2One(
        'commons.fund', "Fund", required=True, readonly=True,
        ondelete='RESTRICT')
    resource = fields.Many2One(
        'commons.resource', "Resource", readonly=True, ondelete='RESTRICT',
        help="The resource of the earmarked fund.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.fiscalyear, Index.Range()),
                    (t.fund, Index.Range())),
                Index(t, (t.fund, Index.Range())),
                })

    @classmethod
    def check_modification(cls, mode, rows, values=None, external=False):
        super().check_modification(
            mode, rows, values=values, external=external)
        if not Transaction().context.get('_commons_year_end'):
            raise AccessError(gettext(
                    'commons_fund.msg_dedicated_modify',
                    row=rows[0].rec_name))

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @classmethod
    def _insert(cls, rows):
        """Insert in bulk the rows computed by the year end.

        The values are computed there, never typed: the validation of the
        ORM's create (which instantiates every Many2One of every row) would
        cost more than the year end itself."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        names = sorted({n for r in rows for n in r})
        columns = [Column(table, n) for n in names] + [
            table.create_uid, table.create_date]
        user = Transaction().user
        for sub_rows in grouped_slice(rows, 1000):
            cursor.execute(*table.insert(columns, [
                        [r.get(n) for n in names] + [user, CurrentTimestamp()]
                        for r in sub_rows]))


class CheckWizardMixin:
    __slots__ = ()

    @classmethod
    def execute(cls, session_id, data, state_name):
        # Tryton assigns the values sent for the forms of the wizard before
        # any of its code runs, without access checks
        pool = Pool()
        for state, values in data.items():
            view = cls.states.get(state)
            if not isinstance(view, StateView) or not isinstance(
                    values, dict):
                continue
            Model = pool.get(view.model_name)
            for name, value in values.items():
                if name != 'id':
                    check_value(Model, name, value)
                    check_exists(Model, name, value)
        return super().execute(session_id, data, state_name)

    @classmethod
    def delete(cls, session_id):
        # Tryton's caches are keyed by the context: without the keys of the
        # wizard's records, deleting the session (which looks for the
        # resources attached to it) finds the names of the models computed
        # for the previous sessions instead of computing them again
        with Transaction().set_context(
                active_model=None, active_id=None, active_ids=None):
            return super().delete(session_id)


def check_exists(Model, name, value):
    "Raise if the Many2One name of Model is given a record that is not"
    field = Model._fields.get(name)
    if not isinstance(field, fields.Many2One) or value is None:
        return
    Target = field.get_target()
    with without_check_access(), Transaction().set_context(
            active_test=False):
        found = Target.search([('id', '=', value)], count=True)
    if not found:
        raise ValueTypeError(gettext(
                'commons_fund.msg_value_invalid',
                value=value,
                **Model.__names__(name)))


class HostReportMixin:
    __slots__ = ()

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['host'] = cls.host_identity
        return context

    @classmethod
    def host_identity(cls, company):
        "Return the name, the address lines and the SIREN of the host"
        party = company.party
        address = party.address_get()
        lines = address.full_address.splitlines() if address else []
        siren = None
        for identifier in party.identifiers:
            if identifier.type == 'fr_siren':
                siren = identifier.code
                break
            elif identifier.type == 'fr_siret' and not siren:
                siren = identifier.code[:9]
        return {
            'name': party.full_name,
            'address': [l for l in lines if l.strip()],
            'siren': siren,
            }

    @classmethod
    def format_currency(cls, value, lang, currency, symbol=True,
            grouping=True, digits=None):
        # An amount is never split across lines
        return super().format_currency(
            value, lang, currency, symbol=symbol, grouping=grouping,
            digits=digits).replace(' ', '\u00a0')

    @classmethod
    def format_number(cls, value, lang, digits=None, grouping=True,
            monetary=None):
        return super().format_number(
            value, lang, digits=digits, grouping=grouping,
            monetary=monetary).replace(' ', '\u00a0')
