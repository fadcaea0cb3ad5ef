# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.commons_fund.model import (
    CheckValuesMixin, CheckWizardMixin, LockMixin, NumberMixin, locking)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .exceptions import (
    ContributionError, ContributionValidationError, DecisionAccessError,
    RateValidationError)

KINDS = [
    ('work', "Work"),
    ('in_kind', "In Kind"),
    ('cash', "Cash"),
    ]
REMUNERATIONS = [
    ('paid', "Paid"),
    ('volunteer', "Volunteer"),
    ]
IN_KIND_NATURES = [
    ('goods', "Goods"),
    ('service', "Service"),
    ]
# The configuration fields of the valuation accounts (debit, credit)
VALUATION_ACCOUNTS = {
    'work': (
        'volunteer_expense_account', 'volunteer_revenue_account'),
    'goods': (
        'in_kind_goods_expense_account', 'in_kind_goods_revenue_account'),
    'service': (
        'in_kind_service_expense_account',
        'in_kind_service_revenue_account'),
    }


class Contribution(
        NumberMixin, CheckValuesMixin, LockMixin, Workflow, ModelSQL,
        ModelView):
    __name__ = 'commons.contribution'
    _history = True
    _number_sequence = 'contribution_sequence'
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states,
        help="The host that keeps the common account of the resource.")
    contributor = fields.Many2One(
        'party.party', "Contributor", required=True, states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The party who contributed.")
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True, states=_states,
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The commons resource the contribution is for.")
    date = fields.Date(
        "Date", required=True, states=_states,
        help="When the contribution was made.")
    kind = fields.Selection(
        KINDS, "Kind", required=True, states=_states,
        help="Work is valued in hours at a rate, in kind goods or services "
        "at their value, cash at the amount given.")
    kind_string = kind.translated('kind')
    in_kind_nature = fields.Selection(
        [(None, "")] + IN_KIND_NATURES, "In-Kind Nature",
        states={
            'readonly': _states['readonly'],
            'required': Eval('kind') == 'in_kind',
            'invisible': Eval('kind') != 'in_kind',
            },
        help="Whether the contribution in kind gives goods or services.")
    description = fields.Char(
        "Description", states=_states,
        help="What was done or given.")
    quantity = fields.Float(
        "Quantity", digits=(16, 2),
        states={
            'readonly': _states['readonly'],
            'required': Eval('kind') != 'cash',
            'invisible': Eval('kind') == 'cash',
            },
        help="The hours of work or the quantity given.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    unit_price = Monetary(
        "Unit Price", currency='currency', digits=(16, 4),
        states={
            'readonly': _states['readonly'],
            'required': Eval('kind') != 'cash',
            'invisible': Eval('kind') == 'cash',
            },
        help="The hourly rate of work or the value of one unit given, "
        "excluding taxes.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states={
            'readonly': _states['readonly'] | (Eval('kind') != 'cash'),
            },
        help="The value of the contribution: the quantity at the unit "
        "price, or the money given.")
    remuneration = fields.Selection(
        REMUNERATIONS, "Remuneration", required=True, states=_states,
        help="Paid contributions are invoiced to the host, volunteer ones "
        "are valued as contributions in kind.")
    reference = fields.Char(
        "Reference", strip=True, states=_states,
        help="The identifier of the contribution in another system, "
        "unique per company.")
    validations = fields.One2Many(
        'commons.contribution.validation', 'contribution', "Validations",
        readonly=True,
        help="The decisions of the stewards of the resource.")
    approved_by = fields.Function(
        fields.Many2One('res.user', "Approved by"),
        'get_approved_by')
    invoice_line = fields.Many2One(
        'account.invoice.line', "Invoice Line", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('invoice_line'),
            },
        help="The line of the contributor's invoice that pays it.")
    valuation_move = fields.Many2One(
        'account.move', "Valuation Move", readonly=True,
        ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'invisible': ~Eval('valuation_move'),
            },
        help="The move that values the volunteer contribution.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('submitted', "Submitted"),
            ('validated', "Validated"),
            ('rejected', "Rejected"),
            ('invoiced', "Invoiced"),
            ], "State", readonly=True, required=True, sort=False,
        help="The progress of the contribution.")
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints.append(
            ('reference_company_uniq', Unique(t, t.company, t.reference),
                'commons_contribution.msg_contribution_reference_unique'))
        cls._sql_indexes.update({
                Index(
                    t, (t.resource, Index.Range()),
                    (t.contributor, Index.Range()),
                    (t.date, Index.Range())),
                Index(
                    t, (t.contributor, Index.Range()),
                    (t.date, Index.Range())),
                Index(
                    t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft', 'submitted', 'validated'])),
                Index(t, (t.invoice_line, Index.Range())),
                })
        cls._order = [
            ('date', 'DESC'),
            ('id', 'DESC'),
            ]
        # The workflow fields, written only by the buttons (field access)
        cls._check_modify_exclude = {
            'state', 'validations', 'invoice_line', 'valuation_move'}
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'draft'),
            ('submitted', 'validated'),
            ('submitted', 'rejected'),
            ('rejected', 'draft'),
            ('validated', 'draft'),
            ('validated', 'invoiced'),
            ('invoiced', 'validated'),
            }
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'rejected', 'validated']),
                    'icon': If(Eval('state') == 'validated',
                        'tryton-undo', 'tryton-back'),
                    'depends': ['state'],
                    },
                'create_invoice': {
                    'invisible': (
                        (Eval('state') != 'validated')
                        | (Eval('remuneration') != 'paid')
                        | (Eval('kind') == 'cash')),
                    'depends': ['state', 'remuneration', 'kind'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'work'

    @classmethod
    def default_remuneration(cls):
        return 'volunteer'

    @classmethod
    def default_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()

    @classmethod
    def default_contributor(cls):
        pool = Pool()
        User = pool.get('res.user')
        user = User(Transaction().user)
        return user.party.id if user.party else None

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends(
        'kind', 'company', 'contributor', 'resource', 'unit_price',
        methods=['on_change_with_amount'])
    def _set_unit_price(self):
        if self.kind == 'work' and self.company:
            rate = self.get_hourly_rate(
                self.company, self.contributor, self.resource)
            if rate is not None:
                self.unit_price = rate
        self.amount = self.on_change_with_amount()

    @fields.depends(methods=['_set_unit_price'])
    def on_change_kind(self):
        self._set_unit_price()

    @fields.depends(methods=['_set_unit_price'])
    def on_change_contributor(self):
        self._set_unit_price()

    @fields.depends(methods=['_set_unit_price'])
    def on_change_resource(self):
        self._set_unit_price()

    @fields.depends('kind', 'quantity', 'unit_price', 'amount', 'currency')
    def on_change_with_amount(self, name=None):
        if self.kind == 'cash':
            return self.amount
        amount = (
            Decimal(str(self.quantity or 0)) * (self.unit_price or 0))
        if self.currency:
            amount = self.currency.round(amount)
        return amount

    @classmethod
    def get_hourly_rate(cls, company, contributor=None, resource=None):
        """Return the hourly rate of the most specific rule: the rate of
        the contributor on the resource, of the contributor, of the
        resource, then the default of the configuration"""
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        Rate = pool.get('commons.contribution.rate')
        if contributor:
            rates = Rate.search([
                    ('company', '=', company.id),
                    ('party', '=', contributor.id),
                    ('resource', 'in', [
                            resource.id if resource else None, None]),
                    ])
            rates.sort(key=lambda r: r.resource is None)
            if rates:
                return rates[0].rate
        if resource and resource.contribution_hourly_rate is not None:
            return resource.contribution_hourly_rate
        return Configuration(1).get_multivalue(
            'default_hourly_rate', company=company.id)

    def get_rec_name(self, name):
        if self.number:
            return self.number
        return '%s - %s' % (self.contributor.rec_name, self.resource.code)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('contributor.rec_name', operator, operand, *extra),
            ('resource.rec_name', operator, operand, *extra),
            ('reference', operator, operand, *extra),
            ('description', operator, operand, *extra),
            ]

    @classmethod
    def get_approved_by(cls, contributions, name):
        result = {}
        for contribution in contributions:
            approvals = [
                v for v in contribution.validations
                if v.decision == 'approved']
            approvals.sort(key=lambda v: v.id)
            result[contribution.id] = (
                approvals[-1].user.id if approvals else None)
        return result

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        Resource = pool.get('commons.resource')
        values = super().preprocess_values(mode, values)
        if mode != 'create':
            return values
        kind = values.get('kind', cls.default_kind())
        company_id = values.get('company', cls.default_company())
        if company_id is None or kind == 'cash':
            return values
        company = Company(company_id)
        if kind == 'work' and values.get('unit_price') is None:
            contributor = (
                Party(values['contributor'])
                if values.get('contributor') else None)
            resource = (
                Resource(values['resource'])
                if values.get('resource') else None)
            values['unit_price'] = cls.get_hourly_rate(
                company, contributor, resource)
        if values.get('amount') is None:
            values['amount'] = company.currency.round(
                Decimal(str(values.get('quantity') or 0))
                * (values.get('unit_price') or 0))
        return values

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if (self.kind != 'cash'
                and (field_names is None
                    or field_names & {'kind', 'quantity', 'unit_price'})):
            amount = self.currency.round(
                Decimal(str(self.quantity or 0)) * (self.unit_price or 0))
            if self.amount != amount:
                values['amount'] = amount
        if (self.kind != 'in_kind' and self.in_kind_nature
                and (field_names is None or 'kind' in field_names)):
            values['in_kind_nature'] = None
        return values

    @classmethod
    def validate_fields(cls, contributions, field_names):
        super().validate_fields(contributions, field_names)
        cls.check_values(contributions, field_names)
        cls.check_resource(contributions, field_names)

    @classmethod
    def check_values(cls, contributions, field_names=None):
        if field_names and not (field_names & {
                    'kind', 'quantity', 'unit_price', 'amount',
                    'remuneration'}):
            return
        for contribution in contributions:
            if contribution.kind == 'cash':
                if contribution.amount <= 0:
                    raise ContributionValidationError(gettext(
                            'commons_contribution'
                            '.msg_contribution_amount_positive',
                            contribution=contribution.rec_name,
                            amount=contribution.amount))
                continue
            quantity = contribution.quantity
            if quantity is not None and quantity <= 0:
                raise ContributionValidationError(gettext(
                        'commons_contribution'
                        '.msg_contribution_quantity_positive',
                        contribution=contribution.rec_name,
                        quantity=quantity))
            unit_price = contribution.unit_price
            if unit_price is not None and unit_price < 0:
                raise ContributionValidationError(gettext(
                        'commons_contribution'
                        '.msg_contribution_unit_price_negative',
                        contribution=contribution.rec_name,
                        unit_price=unit_price))
            if (contribution.kind == 'work'
                    and contribution.remuneration == 'paid'
                    and not unit_price):
                raise ContributionValidationError(gettext(
                        'commons_contribution.msg_contribution_paid_rate',
                        contribution=contribution.rec_name))

    @classmethod
    def check_resource(cls, contributions, field_names=None):
        if field_names and 'resource' not in field_names:
            return
        for contribution in contributions:
            contribution.check_resource_active()

    def check_resource_active(self):
        if not self.resource.active:
            raise ContributionValidationError(gettext(
                    'commons_contribution.msg_contribution_resource_archived',
                    contribution=self.rec_name,
                    resource=self.resource.rec_name))

    @classmethod
    def check_modification(
            cls, mode, contributions, values=None, external=False):
        super().check_modification(
            mode, contributions, values=values, external=external)
        if mode == 'write':
            content = values.keys() - cls._check_modify_exclude
            workflow = values.keys() & cls._check_modify_exclude
            for contribution in contributions:
                if content and contribution.state != 'draft':
                    raise ContributionError(gettext(
                            'commons_contribution'
                            '.msg_contribution_modify_state',
                            contribution=contribution.rec_name))
                if workflow:
                    contribution.check_workflow_values(values)
        elif mode == 'delete':
            for contribution in contributions:
                if contribution.state != 'draft':
                    raise ContributionError(gettext(
                            'commons_contribution'
                            '.msg_contribution_delete_state',
                            contribution=contribution.rec_name))

    def check_workflow_values(self, values):
        "Check that the workflow fields of values keep the workflow sound"
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        Move = pool.get('account.move')
        state = values.get('state', self.state)
        invoice_line = values.get('invoice_line', self.invoice_line)
        valuation_move = values.get('valuation_move', self.valuation_move)
        if values.get('valuation_move') is not None:
            move = Move(values['valuation_move'])
            if move.origin != self:
                raise ContributionError(gettext(
                        'commons_contribution'
                        '.msg_contribution_valuation_move_origin',
                        contribution=self.rec_name,
                        move=move.rec_name))
        if values.get('invoice_line') is not None:
            line = InvoiceLine(values['invoice_line'])
            if line.origin != self:
                raise ContributionError(gettext(
                        'commons_contribution'
                        '.msg_contribution_invoice_line_origin',
                        contribution=self.rec_name,
                        line=line.rec_name))
        if 'state' not in values:
            return
        if state == 'validated' and not self.validation_policy_met:
            raise ContributionError(gettext(
                    'commons_contribution.msg_contribution_validated_policy',
                    contribution=self.rec_name))
        if state == 'invoiced' and not invoice_line:
            raise ContributionError(gettext(
                    'commons_contribution.msg_contribution_invoiced_line',
                    contribution=self.rec_name))
        if (state in {'draft', 'submitted', 'rejected'}
                and (invoice_line or valuation_move)):
            raise ContributionError(gettext(
                    'commons_contribution.msg_contribution_state_links',
                    contribution=self.rec_name,
                    state=self.state_string))

    @classmethod
    def copy(cls, contributions, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('reference')
        for name in cls._check_modify_exclude - {'state'}:
            default.setdefault(name)
        return super().copy(contributions, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, contributions):
        for contribution in contributions:
            contribution.check_resource_active()
        cls.set_number(contributions)

    @classmethod
    @ModelView.button
    def approve(cls, contributions):
        cls.decide(contributions, 'approved')

    @classmethod
    @ModelView.button_action(
        'commons_contribution.wizard_contribution_reject')
    def reject(cls, contributions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, contributions):
        pool = Pool()
        Validation = pool.get('commons.contribution.validation')
        for contribution in contributions:
            if contribution.invoice_line:
                raise ContributionError(gettext(
                        'commons_contribution.msg_contribution_draft_invoiced',
                        contribution=contribution.rec_name))
        cls.cancel_valuation(contributions)
        # The decisions were on what may now change, and must not count
        # for the next submission: the history keeps them.
        with Transaction().set_context(_commons_contribution_draft=True):
            Validation.delete(
                [v for c in contributions for v in c.validations])

    @classmethod
    @ModelView.button_action(
        'commons_contribution.wizard_contribution_invoice')
    def create_invoice(cls, contributions):
        pass

    def check_validator(self, user):
        "Check that the user may decide on the contribution"
        if self.state != 'submitted':
            raise ContributionError(gettext(
                    'commons_contribution.msg_contribution_not_submitted',
                    contribution=self.rec_name))
        if user.party and user.party == self.contributor:
            raise ContributionError(gettext(
                    'commons_contribution.msg_contribution_self_validation',
                    contribution=self.rec_name,
                    user=user.rec_name))
        if not user.party or user.party not in self.resource.stewards:
            raise ContributionError(gettext(
                    'commons_contribution.msg_contribution_not_steward',
                    contribution=self.rec_name,
                    user=user.rec_name,
                    resource=self.resource.rec_name))

    @classmethod
    def decide(cls, contributions, decision, comment=None):
        """Record the decision of the current user on the contributions,
        then validate those whose resource's policy is met and reject those
        refused"""
        pool = Pool()
        Button = pool.get('ir.model.button')
        User = pool.get('res.user')
        Validation = pool.get('commons.contribution.validation')
        Date = pool.get('ir.date')
        # Two stewards deciding at the same time must see each other's
        # decision to apply the policy.
        cls.lock(contributions)
        contributions = cls.browse(contributions)
        user = User(Transaction().user)
        # The reject wizard runs without the check of the button's groups
        button = 'approve' if decision == 'approved' else 'reject'
        groups = Button.get_groups(cls.__name__, button)
        allowed = not groups or bool(groups & set(User.get_groups()))
        validations = []
        for contribution in contributions:
            if not allowed:
                raise DecisionAccessError(gettext(
                        'commons_contribution.msg_contribution_decide_group',
                        contribution=contribution.rec_name,
                        user=user.rec_name))
            contribution.check_validator(user)
            if any(v.user == user for v in contribution.validations):
                raise ContributionError(gettext(
                        'commons_contribution.msg_validation_unique',
                        contribution=contribution.rec_name,
                        user=user.rec_name))
            with Transaction().set_context(
                    company=contribution.company.id):
                today = Date.today()
            validations.append({
                    'contribution': contribution.id,
                    'user': user.id,
                    'decision': decision,
                    'comment': comment,
                    'date': today,
                    })
        with Transaction().set_context(_commons_contribution_decide=True):
            Validation.create(validations)
        contributions = cls.browse(contributions)
        if decision == 'rejected':
            cls.refuse(contributions)
        else:
            cls.accept(
                [c for c in contributions if c.validation_policy_met])

    @property
    def validation_policy_met(self):
        "Tell if the approvals meet the validation policy of the resource"
        resource = self.resource
        approvals = [
            v for v in self.validations if v.decision == 'approved']
        if not approvals:
            return False
        stewards = set(resource.stewards) - {self.contributor}
        approvers = {v.user.party for v in approvals}
        policy = resource.contribution_validation
        if policy == 'all':
            return stewards <= approvers
        elif policy == 'quorum':
            quorum = min(resource.contribution_quorum or 1, len(stewards))
            return len(approvals) >= max(quorum, 1)
        return True

    @classmethod
    @Workflow.transition('validated')
    def accept(cls, contributions):
        cls.post_valuation(contributions)

    @classmethod
    @Workflow.transition('rejected')
    def refuse(cls, contributions):
        pass

    @classmethod
    @Workflow.transition('invoiced')
    def invoice(cls, contributions):
        pass

    @classmethod
    @Workflow.transition('validated')
    def release(cls, contributions):
        "Free the contributions from their invoice line"
        cls.write(contributions, {'invoice_line': None})

    @classmethod
    def release_invoice_lines(cls, lines):
        "Free the contributions paid by the invoice lines"
        # Whoever may cancel or delete the invoice frees its contributions
        with without_check_access():
            contributions = cls.search([
                    ('invoice_line', 'in', [l.id for l in lines]),
                    ])
            if contributions:
                cls.release(contributions)

    @property
    def valuation_accounts(self):
        "The names of the accounts debited and credited by the valuation"
        if self.remuneration != 'volunteer' or self.kind == 'cash':
            return None
        nature = 'work' if self.kind == 'work' else self.in_kind_nature
        return VALUATION_ACCOUNTS.get(nature)

    def get_valuation_move(self):
        "Return the move that values the volunteer contribution"
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        accounts = self.valuation_accounts
        if not accounts or not self.amount:
            return None
        config = Configuration(1)
        company = self.company
        debit, credit = (
            config.get_required(a, company=company.id) for a in accounts)
        journal = config.get_required('valuation_journal', company=company.id)
        lines = [
            MoveLine(
                account=debit, debit=self.amount, credit=Decimal(0)),
            MoveLine(
                account=credit, debit=Decimal(0), credit=self.amount),
            ]
        for line in lines:
            if line.account.party_required:
                line.party = self.contributor
        return Move(
            company=company,
            journal=journal,
            period=Period.find(company, date=self.date),
            date=self.date,
            origin=self,
            description=self.rec_name,
            lines=lines,
            )

    @classmethod
    def post_valuation(cls, contributions):
        pool = Pool()
        Move = pool.get('account.move')
        moves, to_save = [], []
        for contribution in contributions:
            if contribution.valuation_move:
                continue
            move = contribution.get_valuation_move()
            if move:
                contribution.valuation_move = move
                moves.append(move)
                to_save.append(contribution)
        Move.save(moves)
        Move.post(moves)
        cls.save(to_save)

    @classmethod
    def cancel_valuation(cls, contributions):
        pool = Pool()
        Move = pool.get('account.move')
        cancels, to_write = [], []
        for contribution in contributions:
            move = contribution.valuation_move
            if move:
                if move.origin != contribution:
                    raise ContributionError(gettext(
                            'commons_contribution'
                            '.msg_contribution_valuation_move_origin',
                            contribution=contribution.rec_name,
                            move=move.rec_name))
                cancels.append(move.cancel())
                to_write.append(contribution)
        Move.post(cancels)
        if to_write:
            cls.write(to_write, {'valuation_move': None})

    def check_invoiceable(self):
        if self.state != 'validated' or self.invoice_line:
            raise ContributionError(gettext(
                    'commons_contribution.msg_contribution_invoice_state',
                    contribution=self.rec_name,
                    state=self.state_string))
        if self.remuneration != 'paid' or self.kind == 'cash':
            raise ContributionError(gettext(
                    'commons_contribution.msg_contribution_invoice_paid',
                    contribution=self.rec_name))

    def get_fund(self, funds=None):
        """Return the fund that pays the contribution, found in funds (by
        contribution id, see get_funds) when given"""
        if funds is None:
            funds = self.get_funds([self])
        fund = funds.get(self.id)
        if not fund:
            raise ContributionError(gettext(
                    'commons_contribution.msg_contribution_invoice_fund',
                    contribution=self.rec_name,
                    resource=self.resource.rec_name))
        return fund

    @classmethod
    def get_funds(cls, contributions):
        """Return by contribution id the fund that pays it, without the
        contributions whose resource has none"""
        pool = Pool()
        Resource = pool.get('commons.resource')
        funds = Resource.get_earmarked_funds(
            list({c.resource for c in contributions}))
        return {
            c.id: funds[c.resource.id] for c in contributions
            if c.resource.id in funds}

    @classmethod
    def create_invoices(cls, contributions, invoice_date=None):
        """Return one draft supplier invoice per contributor for the
        validated paid contributions, approved as the stewards did"""
        pool = Pool()
        Fund = pool.get('commons.fund')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        # The approval locks the funds: lock them with the contributions
        # before the invoices are made, in one restart of the transaction
        with locking() as lock:
            lock(cls, contributions)
            contributions = cls.browse(contributions)
            funds = cls.get_funds(contributions)
            lock(Fund, Fund.browse(sorted({f.id for f in funds.values()})))
        groups = defaultdict(list)
        for contribution in contributions:
            contribution.check_invoiceable()
            contribution.get_fund(funds)
            groups[(contribution.company, contribution.contributor)].append(
                contribution)
        invoices = []
        for (company, contributor), group in groups.items():
            invoice = cls._get_invoice(company, contributor, invoice_date)
            invoice.lines = [
                c._get_invoice_line(invoice, fund=funds[c.id])
                for c in group]
            invoices.append(invoice)
        # Core computes the taxes of draft invoices when they are saved
        Invoice.save(invoices)

        to_approve = defaultdict(list)
        for invoice, group in zip(invoices, groups.values()):
            for contribution, line in zip(group, invoice.lines):
                assert line.origin == contribution
                contribution.invoice_line = line
                to_approve[contribution.approved_by].append(line)
        cls.save(contributions)
        cls.invoice(contributions)
        # The stewards' validation of the contributions counts as the
        # approval of the spending from the fund.
        for user, lines in to_approve.items():
            InvoiceLine._commons_approve(lines, user, source='validation')
        return invoices

    @classmethod
    def _get_invoice(cls, company, contributor, invoice_date=None):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        invoice = Invoice(
            type='in',
            company=company,
            party=contributor,
            currency=company.currency,
            invoice_date=invoice_date,
            )
        # Which also sets what the party gives
        invoice.on_change_type()
        return invoice

    def _get_invoice_line(self, invoice, fund=None):
        pool = Pool()
        Configuration = pool.get('commons.configuration')
        InvoiceLine = pool.get('account.invoice.line')
        config = Configuration(1)
        return InvoiceLine(
            invoice=invoice,
            type='line',
            company=self.company,
            currency=self.company.currency,
            quantity=self.quantity,
            unit_price=self.unit_price,
            description=self.description or self.rec_name,
            account=config.get_required(
                'contribution_expense_account', company=self.company.id),
            commons_fund=fund or self.get_fund(),
            origin=self,
            taxes=[],
            )


class ContributionValidation(ModelSQL, ModelView):
    __name__ = 'commons.contribution.validation'
    _history = True
    contribution = fields.Many2One(
        'commons.contribution', "Contribution", required=True,
        ondelete='CASCADE', readonly=True,
        help="The contribution decided on.")
    user = fields.Many2One(
        'res.user', "User", required=True, readonly=True,
        ondelete='RESTRICT',
        help="The steward who decided.")
    decision = fields.Selection([
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ], "Decision", required=True, readonly=True,
        help="What the steward decided.")
    comment = fields.Text(
        "Comment", readonly=True,
        help="Why the steward decided so.")
    date = fields.Date(
        "Date", required=True, readonly=True,
        help="When the steward decided.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('contribution_user_uniq', Unique(t, t.contribution, t.user),
                'commons_contribution.msg_validation_user_unique'),
            ]
        cls._order = [
            ('date', 'ASC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def check_modification(
            cls, mode, validations, values=None, external=False):
        super().check_modification(
            mode, validations, values=values, external=external)
        transaction = Transaction()
        context = transaction.context
        # Only Contribution.decide creates a decision, in the name of the
        # user who clicks, and only the draft button removes them.
        if mode == 'create':
            for validation in validations:
                if (external
                        or not context.get('_commons_contribution_decide')
                        or validation.user.id != transaction.user):
                    raise DecisionAccessError(gettext(
                            'commons_contribution.msg_validation_create',
                            contribution=validation.contribution.rec_name))
        elif validations and (mode == 'write' or external
                or not context.get('_commons_contribution_draft')):
            validation = validations[0]
            raise DecisionAccessError(gettext(
                    'commons_contribution.msg_validation_modify',
                    contribution=validation.contribution.rec_name,
                    user=validation.user.rec_name))


class ContributionRate(CheckValuesMixin, ModelSQL, ModelView):
    __name__ = 'commons.contribution.rate'
    company = fields.Many2One(
        'company.company', "Company", required=True,
        help="The host whose grid the rate belongs to.")
    party = fields.Many2One(
        'party.party', "Contributor", required=True, ondelete='CASCADE',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The contributor the rate applies to.")
    resource = fields.Many2One(
        'commons.resource', "Resource", ondelete='CASCADE',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The resource the rate is limited to, or empty for all.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    rate = Monetary(
        "Hourly Rate", currency='currency', digits=(16, 4), required=True,
        help="The value of one hour of work of the contributor, "
        "excluding taxes.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('company_party_resource_uniq',
                Unique(t, t.company, t.party, t.resource),
                'commons_contribution.msg_rate_unique'),
            ]
        cls._sql_indexes.add(Index(
                t, (t.party, Index.Range()), (t.resource, Index.Range())))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @classmethod
    def validate_fields(cls, rates, field_names):
        super().validate_fields(rates, field_names)
        if field_names and 'rate' not in field_names:
            return
        for rate in rates:
            if rate.rate < 0:
                raise RateValidationError(gettext(
                        'commons_contribution.msg_rate_positive',
                        party=rate.party.rec_name,
                        rate=rate.rate))


class RejectStart(ModelView):
    __name__ = 'commons.contribution.reject.start'
    reason = fields.Text(
        "Reason", required=True,
        help="Why the contribution is rejected, told to the contributor.")


class Reject(CheckWizardMixin, Wizard):
    __name__ = 'commons.contribution.reject'
    start = StateView(
        'commons.contribution.reject.start',
        'commons_contribution.contribution_reject_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reject", 'reject', 'tryton-ok', default=True),
            ])
    reject = StateTransition()

    def transition_reject(self):
        self.model.decide(self.records, 'rejected', comment=self.start.reason)
        return 'end'


class CreateInvoiceStart(ModelView):
    __name__ = 'commons.contribution.invoice.start'
    invoice_date = fields.Date(
        "Invoice Date",
        help="The date of the invoices, or empty to set it when posting.")


class CreateInvoice(CheckWizardMixin, Wizard):
    __name__ = 'commons.contribution.invoice'
    start = StateView(
        'commons.contribution.invoice.start',
        'commons_contribution.contribution_invoice_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create Invoice", 'create_', 'tryton-ok', default=True),
            ])
    # The locks the creation takes restart the call: made before the action
    # is read, the restart does not read it again
    create_ = StateTransition()
    open_ = StateAction('account_invoice.act_invoice_in_form')

    def transition_create_(self):
        Contribution, contributions = self.model, self.records
        # Without the keys of the wizard's records in the context, the
        # caches keyed by it are those of the previous runs
        with Transaction().set_context(
                active_model=None, active_id=None, active_ids=None):
            Contribution.create_invoices(
                contributions, invoice_date=self.start.invoice_date)
        return 'open_'

    def do_open_(self, action):
        invoices = sorted(
            {c.invoice_line.invoice for c in self.model.browse(self.records)
                if c.invoice_line},
            key=lambda i: i.id)
        action['res_id'] = [i.id for i in invoices]
        if len(invoices) == 1:
            action['views'].reverse()
        return action, {}
