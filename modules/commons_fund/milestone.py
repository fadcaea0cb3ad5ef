# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .allocation import check_coordination_rate
from .exceptions import MilestoneError
from .model import CheckValuesMixin


class Milestone(CheckValuesMixin, Workflow, ModelSQL, ModelView):
    "A step of a resource that funders cofinance and pay on delivery"
    __name__ = 'commons.resource.milestone'
    _history = True
    _states = {
        'readonly': Eval('state') != 'planned',
        }
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True, ondelete='RESTRICT',
        states=_states)
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    name = fields.Char("Name", required=True, states=_states)
    deliverable = fields.Text(
        "Deliverable", states=_states,
        help="What the stewards will check before accepting the milestone.")
    contributor = fields.Many2One(
        'party.party', "Contributor", states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Who delivers the milestone.")
    budget = Monetary(
        "Budget", currency='currency', digits='currency', required=True,
        states=_states, domain=[('budget', '>=', 0)])
    coordination_rate = fields.Numeric(
        "Coordination Rate", digits=(None, 4), states=_states,
        help="The share of the budget reserved for coordination and "
        "animation (10 to 25 %).")
    coordination_amount = fields.Function(Monetary(
            "Coordination", currency='currency', digits='currency'),
        'on_change_with_coordination_amount')
    due_date = fields.Date("Due Date", states=_states)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    delivered_date = fields.Date("Delivered on", readonly=True)
    accepted_by = fields.Many2One(
        'res.user', "Accepted by", readonly=True, ondelete='RESTRICT')
    accepted_date = fields.DateTime("Accepted on", readonly=True)
    state = fields.Selection([
            ('planned', "Planned"),
            ('funded', "Funded"),
            ('delivered', "Delivered"),
            ('accepted', "Accepted"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.resource, Index.Range()),
                (t.state, Index.Equality(cardinality='low'))))
        cls._order = [
            ('due_date', 'ASC NULLS LAST'),
            ('id', 'ASC'),
            ]
        cls._transitions |= {
            ('planned', 'funded'),
            ('planned', 'delivered'),
            ('funded', 'delivered'),
            ('delivered', 'accepted'),
            ('delivered', 'funded'),
            ('planned', 'cancelled'),
            ('funded', 'cancelled'),
            ('cancelled', 'planned'),
            }
        cls._buttons.update({
                'fund': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                'deliver': {
                    'invisible': ~Eval('state').in_(['planned', 'funded']),
                    'depends': ['state'],
                    },
                'accept': {
                    'invisible': Eval('state') != 'delivered',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'refuse': {
                    'invisible': Eval('state') != 'delivered',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['planned', 'funded']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'planned'

    @fields.depends('resource', '_parent_resource.company')
    def on_change_with_company(self, name=None):
        return self.resource.company if self.resource else None

    @classmethod
    def search_company(cls, name, clause):
        return [('resource.' + clause[0], *clause[1:])]

    @fields.depends('resource', '_parent_resource.company')
    def on_change_with_currency(self, name=None):
        if self.resource and self.resource.company:
            return self.resource.company.currency

    @fields.depends('budget', 'coordination_rate', 'currency')
    def on_change_with_coordination_amount(self, name=None):
        if self.budget is not None and self.currency:
            return self.currency.round(
                self.budget * (self.coordination_rate or Decimal(0)))

    def get_rec_name(self, name):
        return '%s - %s' % (self.resource.rec_name, self.name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('name', operator, operand, *extra),
            ('resource.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def validate_fields(cls, milestones, field_names):
        super().validate_fields(milestones, field_names)
        for milestone in milestones:
            check_coordination_rate(milestone, milestone.coordination_rate)

    @classmethod
    def check_modification(cls, mode, milestones, values=None,
            external=False):
        super().check_modification(
            mode, milestones, values=values, external=external)
        if mode == 'delete':
            for milestone in milestones:
                if milestone.state not in {'planned', 'cancelled'}:
                    raise MilestoneError(gettext(
                            'commons_fund.msg_milestone_delete',
                            milestone=milestone.rec_name))
        elif mode == 'write' and external:
            # The client's read-only states, enforced for direct calls
            for milestone in milestones:
                if milestone.state != 'planned':
                    raise MilestoneError(gettext(
                            'commons_fund.msg_milestone_modify',
                            milestone=milestone.rec_name,
                            state=milestone.state_string))

    @classmethod
    def _user_party(cls):
        pool = Pool()
        User = pool.get('res.user')
        return User(Transaction().user).party

    @classmethod
    def _check_steward(cls, milestones):
        "Return the user once checked they steward the milestones' resources"
        pool = Pool()
        User = pool.get('res.user')
        user = User(Transaction().user)
        for milestone in milestones:
            if (not user.party
                    or user.party not in milestone.resource.stewards):
                raise MilestoneError(gettext(
                        'commons_fund.msg_milestone_accept_steward',
                        milestone=milestone.rec_name,
                        user=user.rec_name))
        return user

    @classmethod
    @ModelView.button
    @Workflow.transition('funded')
    def fund(cls, milestones):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('delivered')
    def deliver(cls, milestones):
        "Declare the milestones delivered, as their contributor or steward"
        pool = Pool()
        Date = pool.get('ir.date')
        # A button runs without access checks: test the user, root aside
        if Transaction().user:
            party = cls._user_party()
            for milestone in milestones:
                if not (party and (
                            party == milestone.contributor
                            or party in milestone.resource.stewards)):
                    raise MilestoneError(gettext(
                            'commons_fund.msg_milestone_deliver_user',
                            milestone=milestone.rec_name))
        cls.write(milestones, {'delivered_date': Date.today()})

    @classmethod
    @ModelView.button
    @Workflow.transition('accepted')
    def accept(cls, milestones):
        "Accept the delivered milestones, as a steward of their resource"
        pool = Pool()
        Date = pool.get('ir.date')
        user = cls._check_steward(milestones)
        cls.write(milestones, {
                'accepted_by': user.id,
                'accepted_date': Date.now(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('funded')
    def refuse(cls, milestones):
        "Send the delivered milestones back to work"
        cls._check_steward(milestones)
        cls.write(milestones, {'delivered_date': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, milestones):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('planned')
    def draft(cls, milestones):
        pass
