# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import re
from collections import defaultdict
from decimal import Decimal

from stdnum import iso11649

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If

from .exceptions import PledgeError, StatementMatchError

UNMATCHED = [
    (None, ""),
    ('unknown_party', "Unknown Party"),
    ('party_differs', "Other Party"),
    ('amount_differs', "Amount Differs"),
    ('several_documents', "Several Documents"),
    ('no_document', "Nothing to Pay"),
    ]
# The information of a CAMT entry where a payer quotes what it pays
REFERENCE_KEYS = [
    'camt_remittance_information',
    'camt_end_to_end_identification',
    'camt_additional_transaction_information',
    ]


class Statement(metaclass=PoolMeta):
    __name__ = 'account.statement'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'commons_match': {
                    'invisible': Eval('state') != 'draft',
                    'readonly': ~Eval('origins', []),
                    'depends': ['state', 'origins'],
                    },
                })

    @classmethod
    @ModelView.button
    def commons_match(cls, statements):
        "Match each origin without line to the document it pays"
        pool = Pool()
        Line = pool.get('account.statement.line')
        Origin = pool.get('account.statement.origin')
        lines, to_write = [], []
        for statement in statements:
            if statement.state != 'draft':
                continue
            for origin in statement.origins:
                if origin.lines:
                    continue
                line, reason, candidate = origin.commons_match()
                if line:
                    lines.append(line)
                to_write.extend(([origin], {
                            'party': origin.party.id if origin.party else None,
                            'commons_unmatched': reason,
                            'commons_candidate': (
                                str(candidate) if candidate else None),
                            }))
        Line.save(lines)
        if to_write:
            Origin.write(*to_write)

    @classmethod
    @ModelView.button
    def validate_statement(cls, statements):
        pool = Pool()
        Line = pool.get('account.statement.line')
        for statement in statements:
            for origin in statement.origins:
                if origin.pending_amount and origin.commons_unmatched:
                    raise StatementMatchError(gettext(
                            'commons_fund.msg_statement_origin_unmatched',
                            statement=statement.rec_name,
                            origin=origin.rec_name,
                            reason=origin.commons_reason))
        Line.check_commons_pledges(
            [l for s in statements for l in s.lines])
        super().validate_statement(statements)

    @classmethod
    @ModelView.button
    def post(cls, statements):
        pool = Pool()
        Line = pool.get('account.statement.line')
        # The pledge may have been received since the validation
        Line.check_commons_pledges(
            [l for s in statements for l in s.lines])
        super().post(statements)


class StatementOrigin(metaclass=PoolMeta):
    __name__ = 'account.statement.origin'
    commons_unmatched = fields.Selection(
        UNMATCHED, "Unmatched", readonly=True,
        help="Why the line was not matched to what it pays.")
    commons_candidate = fields.Reference(
        "Candidate", selection='get_commons_candidates', readonly=True,
        states={
            'invisible': ~Eval('commons_candidate'),
            },
        help="The document the line seems to pay.")
    commons_reason = fields.Function(
        fields.Char("Reason", help="What the accountant must look at."),
        'get_commons_reason')

    @classmethod
    def check_modification(cls, mode, origins, values=None, external=False):
        super().check_modification(
            mode, origins, values=values, external=external)
        written = values.keys() if values else set()
        if (mode == 'write' and external
                and written & {'commons_unmatched', 'commons_candidate'}):
            raise StatementMatchError(gettext(
                    'commons_fund.msg_statement_origin_unmatched_write',
                    origin=origins[0].rec_name))

    @classmethod
    def get_commons_candidates(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        return [(None, '')] + [
            (m, IrModel.get_name(m))
            for m in ['account.invoice', 'commons.pledge']]

    def get_commons_reason(self, name):
        pool = Pool()
        Lang = pool.get('ir.lang')
        if not self.commons_unmatched or not self.pending_amount:
            return None
        lang = Lang.get()
        currency = self.currency
        values = {
            'amount': lang.currency(self.amount, currency, grouping=True),
            'iban': self.commons_iban or '-',
            'party': self.party.rec_name if self.party else '-',
            }
        candidate = self.commons_candidate
        if candidate:
            values['document'] = candidate.rec_name
            values['document_party'] = candidate.commons_payer.rec_name
            values['due'] = lang.currency(
                candidate.commons_amount_due, currency, grouping=True)
        message = 'commons_fund.msg_statement_origin_%s' % (
            self.commons_unmatched)
        if self.commons_unmatched == 'unknown_party' and not self.commons_iban:
            message += '_no_iban'
        return gettext(message, **values)

    @property
    def commons_text(self):
        "The text where the payer may quote what it pays"
        information = self.information or {}
        texts = [self.description] + [information.get(k)
            for k in REFERENCE_KEYS]
        return ' '.join(filter(None, texts))

    def commons_match(self):
        """Return the statement line that pays the document the origin
        matches, or None with the reason and the candidate document"""
        pool = Pool()
        Line = pool.get('account.statement.line')
        documents = self._get_commons_documents_by_reference()
        party = self.party = self.party or self._get_commons_party()
        if not documents:
            if not party:
                return None, 'unknown_party', None
            documents = self._get_commons_documents_of_party()
            exact = [d for d in documents
                if d.commons_amount_due == self.amount]
            if exact:
                documents = exact
        if not documents:
            return None, 'no_document', None
        elif len(documents) > 1:
            return None, 'several_documents', None
        document, = documents
        if party and party != document.commons_payer:
            return None, 'party_differs', document
        if not document.commons_accepts(self.amount):
            return None, 'amount_differs', document
        line = Line(
            statement=self.statement,
            origin=self,
            number=self.number,
            description=self.description,
            date=self.date,
            amount=self.amount,
            party=document.commons_payer,
            related_to=document,
            )
        line.account = document.commons_statement_account
        return line, None, None

    @property
    def commons_iban(self):
        "The IBAN of the account the money comes from or goes to"
        return (self.information or {}).get(
            'camt_debtor_iban' if self.amount > 0 else 'camt_creditor_iban')

    def _get_commons_party(self):
        "Return the owner of the IBAN, who may have been recorded since"
        pool = Pool()
        AccountNumber = pool.get('bank.account.number')
        if not self.commons_iban:
            return None
        numbers = AccountNumber.search(['OR',
                ('number', '=', self.commons_iban),
                ('number_compact', '=', self.commons_iban),
                ])
        if len(numbers) == 1:
            number, = numbers
            if number.account.owners:
                return number.account.owners[0]

    def _get_commons_references(self):
        "Return the words of the text and the creditor references it quotes"
        text = self.commons_text
        words = {w.strip('./-') for w in re.findall(r'[\w/.-]+', text)}
        compact = re.sub(r'\s', '', text).upper()
        references = set()
        for match in re.finditer(r'RF\d{2}', compact):
            start = match.start()
            # The reference is followed by any text: the longest valid one
            for end in range(min(len(compact), start + 25), start + 4, -1):
                if iso11649.is_valid(compact[start:end]):
                    references.add(compact[start:end])
                    break
        return words, references

    def _get_commons_documents_by_reference(self):
        "Return the documents the origin quotes by their number"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Pledge = pool.get('commons.pledge')
        words, references = self._get_commons_references()
        if not words:
            return []
        invoices = Invoice.search([
                self._get_commons_invoice_domain(),
                ['OR',
                    ('number', 'in', list(words)),
                    *(('customer_payment_reference', '=', r)
                        for r in references),
                    ],
                ])
        pledges = []
        if self.amount > 0:
            pledges = Pledge.search([
                    self._get_commons_pledge_domain(),
                    ('number', 'in', list(words)),
                    ])
        return invoices + pledges

    def _get_commons_documents_of_party(self):
        "Return what the party of the origin still has to pay"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Pledge = pool.get('commons.pledge')
        invoices = Invoice.search([
                self._get_commons_invoice_domain(),
                ['OR',
                    ('party', '=', self.party.id),
                    ('alternative_payees', '=', self.party.id),
                    ],
                ])
        pledges = []
        if self.amount > 0:
            pledges = [p for p in Pledge.search([
                        self._get_commons_pledge_domain(),
                        ('funder', '=', self.party.id),
                        ])
                if p.remaining_amount > 0]
        return invoices + pledges

    def _get_commons_invoice_domain(self):
        return [
            ('company', '=', self.company.id),
            ('currency', '=', self.currency.id),
            ('state', '=', 'posted'),
            ('type', '=', 'out' if self.amount > 0 else 'in'),
            ]

    def _get_commons_pledge_domain(self):
        return [
            ('company', '=', self.company.id),
            ('currency', '=', self.currency.id),
            ('state', '=', 'confirmed'),
            ('funding_type', '!=', 'host_share'),
            ]


class StatementLine(metaclass=PoolMeta):
    __name__ = 'account.statement.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A payment request is due on a receivable of gifts or grants, not
        # on the party's: the line takes the account of the invoice it pays
        # instead of limiting the invoices to its account
        cls.related_to.domain['account.invoice'] = [
            ('company', '=', Eval('company', -1)),
            If(Eval('second_currency'),
                ('currency', '=', Eval('second_currency', -1)),
                ('currency', '=', Eval('currency', -1))),
            If(Bool(Eval('party')),
                ['OR',
                    ('party', '=', Eval('party', -1)),
                    ('alternative_payees', '=', Eval('party', -1)),
                    ],
                []),
            If(Eval('statement_state') == 'draft',
                ('state', '=', 'posted'),
                ('state', '!=', '')),
            ]
        cls.related_to.domain['commons.pledge'] = [
            ('company', '=', Eval('company', -1)),
            ('currency', '=', Eval('currency', -1)),
            ('funding_type', '!=', 'host_share'),
            If(Bool(Eval('party')),
                ('funder', '=', Eval('party', -1)),
                ()),
            If(Eval('statement_state') == 'draft',
                ('state', '=', 'confirmed'),
                ()),
            ]

    @classmethod
    def _get_relations(cls):
        return super()._get_relations() + ['commons.pledge']

    @property
    @fields.depends('related_to')
    def commons_pledge(self):
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        related_to = getattr(self, 'related_to', None)
        if isinstance(related_to, Pledge) and related_to.id >= 0:
            return related_to

    @fields.depends(methods=['commons_pledge'])
    def on_change_related_to(self):
        super().on_change_related_to()
        pledge = self.commons_pledge
        if self.invoice:
            self.account = self.invoice.account
        elif pledge:
            self.party = pledge.funder
            self.account = pledge.get_income_account()

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        cls.check_commons_invoice_account(lines, field_names)

    @classmethod
    def check_commons_invoice_account(cls, lines, field_names=None):
        if field_names and not (field_names & {'related_to', 'account'}):
            return
        for line in lines:
            if line.invoice and line.account != line.invoice.account:
                raise StatementMatchError(gettext(
                        'commons_fund.msg_statement_line_invoice_account',
                        line=line.rec_name,
                        invoice=line.invoice.rec_name,
                        account=line.invoice.account.rec_name))

    @classmethod
    def check_commons_pledges(cls, lines):
        """Check that the lines received for pledges are what the record of
        a receipt accepts"""
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        # What remains of the pledges is read under their lock
        pledges = {l.commons_pledge for l in lines if l.commons_pledge}
        if pledges:
            Pledge.lock(sorted(pledges, key=lambda p: p.id))
        received = defaultdict(Decimal)
        for line in lines:
            pledge = line.commons_pledge
            if not pledge:
                continue
            if (line.party != pledge.funder
                    or line.account != pledge.get_income_account()
                    or line.currency != pledge.currency):
                raise PledgeError(gettext(
                        'commons_fund.msg_statement_line_pledge',
                        line=line.rec_name,
                        pledge=pledge.rec_name,
                        funder=pledge.funder.rec_name,
                        account=pledge.get_income_account().rec_name))
            received[pledge] += line.amount
        for pledge, amount in received.items():
            pledge.check_request(amount)

    def get_move_line(self):
        pledge = self.commons_pledge
        if not pledge or not self.amount:
            return super().get_move_line()
        line = pledge.get_receipt_line(
            self.amount, self.date, self.description)
        line.origin = self
        return line


class MoveLine(metaclass=PoolMeta):
    __name__ = 'account.move.line'

    def commons_fund_kind(self):
        pool = Pool()
        StatementLine = pool.get('account.statement.line')
        if isinstance(self.origin, StatementLine) and self.commons_pledge:
            return 'receipt'
        return super().commons_fund_kind()


class FundLine(metaclass=PoolMeta):
    __name__ = 'commons.fund.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['account.statement.line']


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @property
    def commons_payer(self):
        return self.party

    @property
    def commons_amount_due(self):
        "The amount the bank line must show to pay the invoice"
        amount = self.amount_to_pay
        return amount if self.type == 'out' else -amount

    def commons_accepts(self, amount):
        return amount == self.commons_amount_due

    @property
    def commons_statement_account(self):
        return self.account


class Pledge(metaclass=PoolMeta):
    __name__ = 'commons.pledge'

    @property
    def commons_payer(self):
        return self.funder

    @property
    def commons_amount_due(self):
        return self.remaining_amount

    def commons_accepts(self, amount):
        # A pledge without invoice may be paid in several tranches
        return 0 < amount <= self.remaining_amount

    @property
    def commons_statement_account(self):
        return self.get_income_account()


class StatementImport(metaclass=PoolMeta):
    __name__ = 'account.statement.import'

    def do_import_(self, action):
        pool = Pool()
        Statement = pool.get('account.statement')
        action, data = super().do_import_(action)
        Statement.commons_match(Statement.browse(data['res_id']))
        return action, data
