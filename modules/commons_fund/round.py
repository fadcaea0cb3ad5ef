# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from sql import Literal
from sql.aggregate import Count, Sum
from sql.conditionals import Case

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice, sqlite_apply_types
from trytond.transaction import Transaction, without_check_access

from .aggregate import sum_by
from .allocation import format_amount
from .distribution import (
    GRADES, majority_ranking, median_grade, quadratic_match)
from .exceptions import RoundAccessError, RoundError, RoundValidationError
from .model import CheckValuesMixin, ExplanationMixin, LockMixin, NumberMixin
from .pledge import FUNDING_TYPES

ROUND_METHODS = [
    ('cobudget', "Cobudget"),
    ('quadratic', "Quadratic Matching"),
    ('majority_judgment', "Majority Judgment"),
    ]
GRADE_STRINGS = [
    ('excellent', "Excellent"),
    ('very_good', "Very Good"),
    ('good', "Good"),
    ('fair', "Fair"),
    ('poor', "Poor"),
    ('reject', "Reject"),
    ]
assert [g for g, _ in GRADE_STRINGS] == GRADES


def to_decimal(fraction, quantum):
    "Return the fraction as a Decimal rounded to quantum"
    fraction = Fraction(fraction)
    return (Decimal(fraction.numerator) / fraction.denominator).quantize(
        quantum)


class Round(
        NumberMixin, CheckValuesMixin, LockMixin, Workflow, ModelSQL,
        ModelView):
    "A round in which participants decide where pooled money goes"
    __name__ = 'commons.round'
    _number_sequence = 'round_sequence'
    _states = {
        'readonly': Eval('state') != 'draft',
        }
    name = fields.Char("Name", required=True, states=_states)
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    fund = fields.Many2One(
        'commons.fund', "Pooled Fund", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '=', 'pooled'),
            ],
        states=_states,
        help="The pooled fund that gives the tokens or the matching pool.")
    method = fields.Selection(
        ROUND_METHODS, "Method", required=True, states=_states,
        help="Cobudget: participants place their budget on buckets, "
        "those that reach their minimum are funded;\n"
        "Quadratic Matching: the pool matches the participants' own money, "
        "favouring buckets with many contributors;\n"
        "Majority Judgment: participants grade the buckets, which are funded "
        "in the order of their majority grade.")
    method_string = method.translated('method')
    start_date = fields.Date("Start Date", required=True, states=_states)
    end_date = fields.Date(
        "End Date", required=True, states=_states,
        domain=[('end_date', '>=', Eval('start_date', None))])
    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year", required=True, states=_states,
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The year of the pledges made in the round.")
    matching_amount = Monetary(
        "Pool Amount", currency='currency', digits='currency',
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('method') == 'cobudget',
            'required': Eval('method') != 'cobudget',
            },
        domain=[If(Eval('method') != 'cobudget',
                ('matching_amount', '>', 0), ())],
        help="The money of the pooled fund shared by the round.")
    minimum_contribution = Monetary(
        "Minimum Contribution", currency='currency', digits='currency',
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('method') != 'quadratic',
            },
        help="Contributions below it are not matched.")
    match_cap_rate = fields.Numeric(
        "Match Cap", digits=(None, 4),
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('method') != 'quadratic',
            },
        domain=['OR',
            ('match_cap_rate', '=', None),
            [('match_cap_rate', '>', 0), ('match_cap_rate', '<=', 1)],
            ],
        help="The largest share of the pool one bucket can get.")
    bucket_cap = Monetary(
        "Cap per Bucket", currency='currency', digits='currency',
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('method') == 'majority_judgment',
            },
        help="The most one participant can put on one bucket.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    participants = fields.One2Many(
        'commons.round.participant', 'round', "Participants",
        states=_states)
    buckets = fields.One2Many(
        'commons.round.bucket', 'round', "Buckets", states=_states)
    votes = fields.One2Many(
        'commons.round.vote', 'round', "Votes",
        states={
            'readonly': Eval('state') != 'open',
            'invisible': Eval('method') == 'majority_judgment',
            })
    grades = fields.One2Many(
        'commons.round.grade', 'round', "Grades",
        states={
            'readonly': Eval('state') != 'open',
            'invisible': Eval('method') != 'majority_judgment',
            })
    allocation = fields.Many2One(
        'commons.allocation', "Allocation", readonly=True,
        ondelete='RESTRICT')
    allocation_amount = fields.Function(Monetary(
            "To Allocate", currency='currency', digits='currency',
            help="What the pooled fund gives to the funded buckets."),
        'get_allocation_amount')
    state = fields.Selection([
            ('draft', "Draft"),
            ('open', "Open"),
            ('closed', "Closed"),
            ('posted', "Posted"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('start_date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'open'),
            ('open', 'closed'),
            ('closed', 'posted'),
            ('draft', 'cancelled'),
            ('open', 'cancelled'),
            ('closed', 'cancelled'),
            }
        cls._buttons.update({
                'open': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'post': {
                    'invisible': Eval('state') != 'closed',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'open', 'closed']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_method(cls):
        return 'cobudget'

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return self.number or self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('name', operator, operand, *extra),
            ]

    def _get_number_date(self):
        return self.start_date

    @classmethod
    def get_allocation_amount(cls, rounds, name):
        "What the pooled fund gives: the tokens and the match, summed in SQL"
        pool = Pool()
        Bucket = pool.get('commons.round.bucket')
        ids = [r.id for r in rounds]
        funded = lambda t: t.funded == Literal(True)  # noqa: E731
        tokens = sum_by(Bucket, 'round', ids, 'token_amount', funded)
        matches = sum_by(Bucket, 'round', ids, 'match_amount', funded)
        return {i: tokens[i] + matches[i] for i in ids}

    def get_allocation_amounts(self):
        """Return the amounts of the round's allocation by (resource id,
        milestone id) and their explanations"""
        amounts, explanations = {}, {}
        for bucket in self.buckets:
            if bucket.funded and bucket.allocated_amount:
                key = (
                    bucket.resource.id,
                    bucket.milestone.id if bucket.milestone else None)
                amounts[key] = amounts.get(key, 0) + bucket.allocated_amount
                explanations[key] = (
                    bucket.explanation_message,
                    dict(bucket.explanation_values or {}))
        return amounts, explanations

    @classmethod
    def copy(cls, rounds, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('allocation')
        default.setdefault('votes')
        default.setdefault('grades')
        return super().copy(rounds, default=default)

    @classmethod
    def check_modification(cls, mode, rounds, values=None, external=False):
        super().check_modification(
            mode, rounds, values=values, external=external)
        if mode == 'delete':
            for round_ in rounds:
                if round_.state not in {'draft', 'cancelled'}:
                    raise RoundError(gettext(
                            'commons_fund.msg_round_delete',
                            round=round_.rec_name))
        elif mode == 'write' and external:
            names = values.keys()
            if names & cls._participant_fields():
                for round_ in rounds:
                    round_.check_open_to_votes()
            if names - cls._participant_fields():
                cls.check_manager(rounds)
                # The client's read-only states, enforced for direct calls
                if names - {'name'}:
                    cls.check_draft(rounds)

    @classmethod
    def _participant_fields(cls):
        "The fields participants write on an open round"
        return {'votes', 'grades'}

    @classmethod
    def check_manager(cls, rounds):
        "Raise unless the user manages the rounds of the commons"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        group = ModelData.get_id('commons_fund', 'group_commons_admin')
        if Transaction().user and group not in User.get_groups():
            raise RoundAccessError(gettext(
                    'commons_fund.msg_round_manager',
                    round=rounds[0].rec_name if rounds else ''))

    @classmethod
    def check_draft(cls, rounds):
        "Raise if a round is no longer a draft: its terms are fixed"
        for round_ in rounds:
            if round_.state != 'draft':
                raise RoundError(gettext(
                        'commons_fund.msg_round_modify',
                        round=round_.rec_name))

    def get_own_participant(self):
        "Return the participant of the user's party in the round"
        pool = Pool()
        Participant = pool.get('commons.round.participant')
        User = pool.get('res.user')
        user = User(Transaction().user)
        if user.party and self.id is not None and self.id >= 0:
            participants = Participant.search([
                    ('round', '=', self.id),
                    ('party', '=', user.party.id),
                    ], limit=1)
            if participants:
                participant, = participants
                return participant

    def check_open_to_votes(self):
        if self.state != 'open':
            raise RoundValidationError(gettext(
                    'commons_fund.msg_round_not_open',
                    round=self.rec_name))

    def _token_budget(self):
        pool = Pool()
        Participant = pool.get('commons.round.participant')
        if self.method == 'majority_judgment':
            return Decimal(0)
        return sum_by(
            Participant, 'round', [self.id], 'budget',
            lambda t: t.source == 'tokens')[self.id]

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def open(cls, rounds):
        pool = Pool()
        Fund = pool.get('commons.fund')
        for round_ in rounds:
            round_.fund.check_open()
            if not round_.buckets:
                raise RoundError(gettext(
                        'commons_fund.msg_round_no_bucket',
                        round=round_.rec_name))
            # The pool must hold what the round may give
            asked = round_._token_budget() + (round_.matching_amount or 0)
            Fund.check_available([round_.fund], {round_.fund.id: asked})
        cls.set_number(rounds)

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, rounds):
        "Fund the buckets that reached their goal and release the others"
        pool = Pool()
        Bucket = pool.get('commons.round.bucket')
        Pledge = pool.get('commons.pledge')
        Milestone = pool.get('commons.resource.milestone')
        Vote = pool.get('commons.round.vote')
        buckets, to_confirm, to_cancel, milestones = [], [], [], []
        for round_ in rounds:
            results = getattr(round_, '_close_%s' % round_.method)()
            for bucket in round_.buckets:
                values = results[bucket.id]
                values['funded'] = bool(values['funded'])
                for name in [
                        'token_amount', 'pledged_amount', 'match_amount']:
                    values[name] = round_.currency.round(values[name])
                for name, value in values.items():
                    setattr(bucket, name, value)
                buckets.append(bucket)
                if bucket.funded and bucket.milestone:
                    milestones.append(bucket.milestone)
            for vote in Vote.search([
                        ('round', '=', round_.id),
                        ('pledge.state', '=', 'draft'),
                        ]):
                if results[vote.bucket.id]['funded']:
                    to_confirm.append(vote.pledge)
                else:
                    to_cancel.append(vote.pledge)
        Bucket.save(buckets)
        Pledge.confirm(to_confirm)
        Pledge.cancel(to_cancel)
        Milestone.fund([m for m in milestones if m.state == 'planned'])

    def _bucket_totals(self):
        """Return the votes by bucket id as (tokens, pledged,
        {party id: amount}), summed in one query"""
        pool = Pool()
        Participant = pool.get('commons.round.participant')
        Vote = pool.get('commons.round.vote')
        vote = Vote.__table__()
        participant = Participant.__table__()
        cursor = Transaction().connection.cursor()
        tokens, pledged = defaultdict(Decimal), defaultdict(Decimal)
        by_party = defaultdict(dict)
        query = vote.join(participant,
            condition=vote.participant == participant.id
            ).select(
                vote.bucket.as_('bucket'), participant.party.as_('party'),
                participant.source.as_('source'),
                Sum(vote.amount).as_('amount'),
                where=vote.round == self.id,
                group_by=[vote.bucket, participant.party, participant.source])
        if backend.name == 'sqlite':
            sqlite_apply_types(query, [None, None, None, 'NUMERIC'])
        cursor.execute(*query)
        for bucket, party, source, amount in cursor:
            if source == 'tokens':
                tokens[bucket] += amount
            else:
                pledged[bucket] += amount
            by_party[bucket][party] = by_party[bucket].get(party, 0) + amount
        return tokens, pledged, by_party

    def _close_cobudget(self):
        pool = Pool()
        Bucket = pool.get('commons.round.bucket')
        tokens, pledged, by_party = self._bucket_totals()
        results = {}
        for bucket in self.buckets:
            total = tokens[bucket.id] + pledged[bucket.id]
            funded = total >= (bucket.min_goal or 0) and total > 0
            results[bucket.id] = {
                'funded': funded,
                'token_amount': tokens[bucket.id] if funded else 0,
                'pledged_amount': pledged[bucket.id] if funded else 0,
                'match_amount': Decimal(0),
                **Bucket.explanation_fields(
                    'commons_fund.msg_bucket_explain_cobudget'
                    if funded else
                    'commons_fund.msg_bucket_explain_released',
                    total=total,
                    minimum=bucket.min_goal or Decimal(0),
                    tokens=tokens[bucket.id],
                    pledged=pledged[bucket.id],
                    count=len(by_party[bucket.id])),
                }
        return results

    def _quadratic_match(self):
        """Return the votes by bucket id as in _bucket_totals, whether each
        bucket reached its minimum, the match of the pool and the
        quadratic values as they stand"""
        tokens, pledged, by_party = self._bucket_totals()
        funded, rooms = {}, {}
        for bucket in self.buckets:
            total = tokens[bucket.id] + pledged[bucket.id]
            funded[bucket.id] = (
                total >= (bucket.min_goal or 0) and total > 0)
            rooms[bucket.id] = max(bucket.max_goal - total, Decimal(0))
        contributions = {
            b: by_party[b] for b in funded if funded[b]}
        matches, values = quadratic_match(
            self.matching_amount or 0, contributions,
            self.currency.rounding,
            minimum=self.minimum_contribution or 0,
            cap_rate=self.match_cap_rate, rooms=rooms)
        return tokens, pledged, by_party, funded, matches, values

    def _close_quadratic(self):
        pool = Pool()
        Bucket = pool.get('commons.round.bucket')
        tokens, pledged, by_party, funded, matches, values = (
            self._quadratic_match())
        value_sum = sum(values.values())
        results = {}
        for bucket in self.buckets:
            match = matches.get(bucket.id, Decimal(0))
            value = values.get(bucket.id, 0)
            total = tokens[bucket.id] + pledged[bucket.id]
            results[bucket.id] = {
                'funded': funded[bucket.id],
                'token_amount': (
                    tokens[bucket.id] if funded[bucket.id] else 0),
                'pledged_amount': (
                    pledged[bucket.id] if funded[bucket.id] else 0),
                'match_amount': match,
                **Bucket.explanation_fields(
                    'commons_fund.msg_bucket_explain_quadratic'
                    if funded[bucket.id] else
                    'commons_fund.msg_bucket_explain_released',
                    total=total,
                    minimum=bucket.min_goal or Decimal(0),
                    tokens=tokens[bucket.id],
                    pledged=pledged[bucket.id],
                    count=len(by_party[bucket.id]),
                    value=to_decimal(value, Decimal('0.01')),
                    share=to_decimal(
                        value / value_sum if value_sum else 0,
                        Decimal('0.0001')),
                    match=match,
                    pool=self.matching_amount),
                }
        return results

    def _close_majority_judgment(self):
        pool = Pool()
        Bucket = pool.get('commons.round.bucket')
        currency = self.currency
        grades = {b.id: [] for b in self.buckets}
        for grade in self.grades:
            grades[grade.bucket.id].append(grade.grade)
        count = max(
            len(self.participants), max(map(len, grades.values()), default=0))
        padded = {
            b: g + ['reject'] * (count - len(g)) for b, g in grades.items()}
        ranking = majority_ranking(padded)
        left = currency.round(self.matching_amount)
        results = {}
        buckets = {b.id: b for b in self.buckets}
        for rank, bucket_id in enumerate(ranking, 1):
            bucket = buckets[bucket_id]
            median = median_grade(padded[bucket_id])
            amount = min(bucket.max_goal, left)
            funded = (
                median is not None and median != 'reject'
                and amount > 0 and amount >= (bucket.min_goal or 0))
            if funded:
                left -= amount
            results[bucket_id] = {
                'funded': funded,
                'token_amount': amount if funded else 0,
                'pledged_amount': Decimal(0),
                'match_amount': Decimal(0),
                'rank': rank,
                **Bucket.explanation_fields(
                    'commons_fund.msg_bucket_explain_majority'
                    if funded else
                    'commons_fund.msg_bucket_explain_majority_released',
                    rank=rank,
                    grade=median or '',
                    amount=amount if funded else Decimal(0),
                    pool=self.matching_amount),
                }
        return results

    @classmethod
    @ModelView.button
    @Workflow.transition('posted')
    def post(cls, rounds):
        "Allocate from the pooled fund what the round decided"
        pool = Pool()
        Allocation = pool.get('commons.allocation')
        Date = pool.get('ir.date')
        for round_ in rounds:
            amount = round_.allocation_amount
            if not amount:
                continue
            allocation = Allocation(
                company=round_.company, fund=round_.fund,
                date=min(round_.end_date, Date.today()),
                method='round', round=round_, amount=amount,
                fiscalyear=round_.fiscalyear,
                description=round_.name)
            allocation.save()
            Allocation.compute([allocation])
            Allocation.post([allocation])
            round_.allocation = allocation
        cls.save(rounds)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, rounds):
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        pledges = [
            v.pledge for r in rounds for v in r.votes
            if v.pledge and v.pledge.state in {'draft', 'confirmed'}]
        Pledge.cancel(pledges)


class Participant(CheckValuesMixin, ModelSQL, ModelView):
    "A participant of a round, with their budget"
    __name__ = 'commons.round.participant'
    round = fields.Many2One(
        'commons.round', "Round", required=True, ondelete='CASCADE')
    party = fields.Many2One('party.party', "Party", required=True)
    round_method = fields.Function(fields.Selection(
            ROUND_METHODS, "Round Method"),
        'on_change_with_round_method')
    source = fields.Selection([
            ('tokens', "Tokens from the Pool"),
            ('pledge', "Own Money"),
            ], "Source", required=True,
        states={
            'invisible': Eval('round_method') == 'majority_judgment',
            },
        help="Tokens are money of the pooled fund the participant places; "
        "own money becomes a conditional pledge, binding only if the bucket "
        "is funded.")
    funding_type = fields.Selection(
        FUNDING_TYPES, "Funding Type",
        states={
            'required': ((Eval('source') == 'pledge')
                & (Eval('round_method') != 'majority_judgment')),
            'invisible': ((Eval('source') != 'pledge')
                | (Eval('round_method') == 'majority_judgment')),
            })
    budget = Monetary(
        "Budget", currency='currency', digits='currency',
        domain=['OR',
            ('budget', '=', None),
            ('budget', '>=', 0),
            ],
        states={
            'required': Eval('round_method') != 'majority_judgment',
            'invisible': Eval('round_method') == 'majority_judgment',
            },
        help="The most the participant can place on the buckets.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    placed = fields.Function(Monetary(
            "Placed", currency='currency', digits='currency'),
        'get_placed')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('round')
        t = cls.__table__()
        cls._sql_constraints = [
            ('round_party_uniq', Unique(t, t.round, t.party),
                'commons_fund.msg_round_participant_unique'),
            ]

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external:
            Round = Pool().get('commons.round')
            Round.check_manager([r.round for r in records])
            rounds = {r.round for r in records}
            if mode == 'delete':
                rounds = {r for r in rounds if r.state != 'cancelled'}
            Round.check_draft(rounds)

    @classmethod
    def default_source(cls):
        return 'tokens'

    @classmethod
    def default_funding_type(cls):
        return 'donation'

    @fields.depends('round', '_parent_round.company')
    def on_change_with_currency(self, name=None):
        if self.round and self.round.company:
            return self.round.company.currency

    @fields.depends('round', '_parent_round.method')
    def on_change_with_round_method(self, name=None):
        if self.round:
            return self.round.method

    def get_rec_name(self, name):
        return self.party.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name', *clause[1:])]

    @classmethod
    def get_placed(cls, participants, name):
        pool = Pool()
        Vote = pool.get('commons.round.vote')
        placed = sum_by(Vote, 'participant', [p.id for p in participants])
        return {p.id: placed[p.id] for p in participants}


class Bucket(ExplanationMixin, CheckValuesMixin, ModelSQL, ModelView):
    "A resource or milestone that a round may fund"
    __name__ = 'commons.round.bucket'
    round = fields.Many2One(
        'commons.round', "Round", required=True, ondelete='CASCADE')
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True,
        domain=[
            ('company', '=', Eval('_parent_round', {}).get('company', -1)),
            ])
    milestone = fields.Many2One(
        'commons.resource.milestone', "Milestone",
        domain=[
            ('resource', '=', Eval('resource', -1)),
            ('state', 'in', ['planned', 'funded']),
            ])
    min_goal = Monetary(
        "Minimum", currency='currency', digits='currency', required=True,
        domain=[('min_goal', '>=', 0)],
        help="The bucket is funded only if the votes reach it.")
    max_goal = Monetary(
        "Maximum", currency='currency', digits='currency', required=True,
        domain=[('max_goal', '>=', Eval('min_goal', 0))],
        help="The votes cannot take the bucket above it.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    committed = fields.Function(Monetary(
            "Committed", currency='currency', digits='currency',
            states={
                'invisible': Eval('round_method') == 'majority_judgment',
                },
            help="The sum of the votes."),
        'get_committed')
    contributors = fields.Function(fields.Integer(
            "Contributors",
            states={
                'invisible': Eval('round_method') == 'majority_judgment',
                },
            help="The number of participants who placed money on it."),
        'get_committed')
    matched = fields.Function(Monetary(
            "Matched", currency='currency', digits='currency',
            states={
                'invisible': Eval('round_method') != 'quadratic',
                },
            help="What the pool matches: as the votes stand while the round "
            "is open, then what it gave."),
        'get_committed')
    progress = fields.Function(fields.Float(
            "Progress", digits=(1, 4),
            states={
                'invisible': Eval('round_method') == 'majority_judgment',
                },
            help="The votes, and the match of a quadratic round, against the "
            "maximum of the bucket."),
        'get_committed')
    round_method = fields.Function(fields.Selection(
            ROUND_METHODS, "Round Method"),
        'on_change_with_round_method')
    funded = fields.Boolean("Funded", readonly=True)
    token_amount = Monetary(
        "Tokens", currency='currency', digits='currency', readonly=True,
        help="The tokens of the pooled fund placed on the funded bucket.")
    pledged_amount = Monetary(
        "Pledged", currency='currency', digits='currency', readonly=True,
        help="The participants' own money pledged to the funded bucket.")
    match_amount = Monetary(
        "Match", currency='currency', digits='currency', readonly=True,
        help="The quadratic match of the pooled fund.")
    allocated_amount = fields.Function(Monetary(
            "Allocated", currency='currency', digits='currency',
            help="What the pooled fund gives: the tokens and the match."),
        'on_change_with_allocated_amount')
    rank = fields.Integer("Rank", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('round')
        cls._order.insert(0, ('rank', 'ASC NULLS LAST'))

    @classmethod
    def copy(cls, buckets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('funded', False)
        for name in [
                'token_amount', 'pledged_amount', 'match_amount', 'rank',
                'explanation_message', 'explanation_values',
                'explanation_text']:
            default.setdefault(name)
        return super().copy(buckets, default=default)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external:
            Round = Pool().get('commons.round')
            Round.check_manager([r.round for r in records])
            rounds = {r.round for r in records}
            if mode == 'delete':
                rounds = {r for r in rounds if r.state != 'cancelled'}
            Round.check_draft(rounds)

    @fields.depends('round', '_parent_round.company')
    def on_change_with_currency(self, name=None):
        if self.round and self.round.company:
            return self.round.company.currency

    @fields.depends('milestone', '_parent_milestone.resource',
        '_parent_milestone.budget')
    def on_change_milestone(self):
        if self.milestone:
            self.resource = self.milestone.resource
            self.max_goal = self.milestone.budget
            if self.min_goal is None:
                self.min_goal = self.milestone.budget

    @fields.depends('round', '_parent_round.method')
    def on_change_with_round_method(self, name=None):
        if self.round:
            return self.round.method

    @fields.depends('token_amount', 'match_amount')
    def on_change_with_allocated_amount(self, name=None):
        return (self.token_amount or 0) + (self.match_amount or 0)

    def get_rec_name(self, name):
        if self.milestone:
            return self.milestone.rec_name
        return self.resource.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('resource.rec_name', *clause[1:]),
            ('milestone.rec_name', *clause[1:]),
            ]

    @classmethod
    def get_committed(cls, buckets, names):
        pool = Pool()
        Vote = pool.get('commons.round.vote')
        vote = Vote.__table__()
        cursor = Transaction().connection.cursor()
        amounts, counts = {}, {}
        for sub_ids in grouped_slice(
                [b.id for b in buckets], backend.MAX_QUERY_PARAMS):
            query = vote.select(
                vote.bucket, Sum(vote.amount).as_('amount'),
                Count(vote.id).as_('count'),
                where=fields.SQL_OPERATORS['in'](vote.bucket, sub_ids),
                group_by=vote.bucket)
            if backend.name == 'sqlite':
                sqlite_apply_types(query, [None, 'NUMERIC', None])
            cursor.execute(*query)
            for bucket_id, amount, count in cursor:
                amounts[bucket_id] = amount
                counts[bucket_id] = count
        matches = {}
        if 'matched' in names or 'progress' in names:
            for round_ in {b.round for b in buckets}:
                if round_.method != 'quadratic':
                    continue
                if round_.state in {'draft', 'open'}:
                    matches.update(round_._quadratic_match()[4])
                else:
                    matches.update(
                        (b.id, b.match_amount or 0) for b in round_.buckets)
        result = {n: {} for n in names}
        for bucket in buckets:
            amount = bucket.round.currency.round(
                amounts.get(bucket.id) or Decimal(0))
            match = matches.get(bucket.id, Decimal(0))
            if bucket.round.method == 'majority_judgment':
                progress = None
            elif bucket.max_goal:
                progress = float((amount + match) / bucket.max_goal)
            else:
                progress = 0.
            values = {
                'committed': amount,
                'contributors': counts.get(bucket.id, 0),
                'matched': match,
                'progress': progress,
                }
            for name in names:
                result[name][bucket.id] = values[name]
        return result

    @classmethod
    def validate_fields(cls, buckets, field_names):
        super().validate_fields(buckets, field_names)
        for bucket in buckets:
            if (bucket.milestone
                    and bucket.milestone.resource != bucket.resource):
                raise RoundValidationError(gettext(
                        'commons_fund.msg_bucket_milestone_resource',
                        bucket=bucket.rec_name))


class Vote(CheckValuesMixin, ModelSQL, ModelView):
    "What a participant puts on a bucket"
    __name__ = 'commons.round.vote'
    round = fields.Many2One(
        'commons.round', "Round", required=True, ondelete='CASCADE',
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    participant = fields.Many2One(
        'commons.round.participant', "Participant", required=True,
        ondelete='CASCADE',
        domain=[
            ('round', '=', Eval('round', -1)),
            ])
    party = fields.Function(
        fields.Many2One('party.party', "Party"),
        'on_change_with_party', searcher='search_party')
    bucket = fields.Many2One(
        'commons.round.bucket', "Bucket", required=True, ondelete='CASCADE',
        domain=[
            ('round', '=', Eval('round', -1)),
            ])
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>', 0)])
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    pledge = fields.Many2One(
        'commons.pledge', "Conditional Pledge", readonly=True,
        ondelete='RESTRICT',
        help="The pledge of the participant's own money, binding only if "
        "the bucket is funded.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('bucket_participant_uniq', Unique(t, t.bucket, t.participant),
                'commons_fund.msg_round_vote_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.participant, Index.Range())))

    @fields.depends('round', '_parent_round.company')
    def on_change_with_currency(self, name=None):
        if self.round and self.round.company:
            return self.round.company.currency

    @fields.depends('participant', '_parent_participant.party')
    def on_change_with_party(self, name=None):
        return self.participant.party if self.participant else None

    @classmethod
    def search_party(cls, name, clause):
        return [('participant.party' + clause[0][len(name):], *clause[1:])]

    @fields.depends('round', '_parent_round.id', 'participant')
    def on_change_round(self):
        if self.round and not self.participant:
            self.participant = self.round.get_own_participant()

    def get_rec_name(self, name):
        return '%s: %s' % (self.participant.rec_name, self.bucket.rec_name)

    @classmethod
    def create(cls, vlist):
        votes = super().create(vlist)
        cls._check_and_pledge(votes)
        return votes

    @classmethod
    def write(cls, *args):
        super().write(*args)
        votes = sum(args[0:None:2], [])
        cls._check_and_pledge(votes)

    @classmethod
    def check_modification(cls, mode, votes, values=None, external=False):
        super().check_modification(
            mode, votes, values=values, external=external)
        for vote in votes:
            if not (mode == 'delete' and vote.round.state == 'cancelled'):
                vote.round.check_open_to_votes()

    @classmethod
    def delete(cls, votes):
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        pledges = [v.pledge for v in votes if v.pledge]
        super().delete(votes)
        if pledges:
            with without_check_access():
                Pledge.delete(Pledge.browse(pledges))

    @classmethod
    def _check_and_pledge(cls, votes):
        """Check the budgets and goals once the votes are written, the round
        locked so that votes made at the same moment are counted in turn,
        then keep the conditional pledges in step."""
        pool = Pool()
        Round = pool.get('commons.round')
        Participant = pool.get('commons.round.participant')
        Bucket = pool.get('commons.round.bucket')
        Round.lock(Round.browse(sorted({v.round.id for v in votes})))
        for vote in votes:
            vote.round.check_open_to_votes()
            if vote.round.method == 'majority_judgment':
                raise RoundValidationError(gettext(
                        'commons_fund.msg_round_vote_method',
                        vote=vote.rec_name,
                        round=vote.round.rec_name))
            if vote.participant.round != vote.round:
                raise RoundValidationError(gettext(
                        'commons_fund.msg_round_vote_round',
                        vote=vote.rec_name))
            cap = vote.round.bucket_cap
            if cap and vote.amount > cap:
                raise RoundValidationError(gettext(
                        'commons_fund.msg_round_vote_cap',
                        vote=vote.rec_name,
                        amount=format_amount(vote.amount, vote.currency),
                        cap=format_amount(cap, vote.currency)))
        participants = Participant.browse({v.participant.id for v in votes})
        for participant in participants:
            if participant.placed > (participant.budget or 0):
                raise RoundValidationError(gettext(
                        'commons_fund.msg_round_vote_budget',
                        participant=participant.rec_name,
                        round=participant.round.rec_name,
                        placed=format_amount(
                            participant.placed, participant.currency),
                        budget=format_amount(
                            participant.budget or 0, participant.currency)))
        buckets = Bucket.browse({v.bucket.id for v in votes})
        for bucket in buckets:
            if bucket.committed > bucket.max_goal:
                raise RoundValidationError(gettext(
                        'commons_fund.msg_round_vote_maximum',
                        bucket=bucket.rec_name,
                        round=bucket.round.rec_name,
                        committed=format_amount(
                            bucket.committed, bucket.currency),
                        maximum=format_amount(
                            bucket.max_goal, bucket.currency)))
        # The participant may not write pledges: the round does it for them
        with without_check_access():
            cls._sync_pledges(cls.browse(votes))

    @classmethod
    def _sync_pledges(cls, votes):
        pool = Pool()
        Pledge = pool.get('commons.pledge')
        to_save, to_write = [], []
        for vote in votes:
            if vote.participant.source != 'pledge':
                continue
            if vote.pledge:
                amount = vote.round.currency.round(vote.amount)
                if vote.pledge.amount != amount:
                    vote.pledge.amount = amount
                    to_save.append(vote.pledge)
                continue
            round_ = vote.round
            fund = vote.bucket.resource.get_earmarked_fund()
            if not fund:
                raise RoundValidationError(gettext(
                        'commons_fund.msg_round_vote_fund',
                        vote=vote.rec_name,
                        resource=vote.bucket.resource.rec_name))
            vote.pledge = Pledge(
                company=round_.company,
                funder=vote.participant.party,
                funding_type=vote.participant.funding_type or 'donation',
                fund=fund, resource=fund.resource,
                amount=round_.currency.round(vote.amount),
                currency=round_.company.currency,
                date=round_.start_date, fiscalyear=round_.fiscalyear,
                conditional=True,
                description='%s: %s' % (round_.name, vote.bucket.rec_name))
            to_save.append(vote.pledge)
            to_write.append(vote)
        Pledge.save(to_save)
        if to_write:
            super().write(*sum(
                    ([[v], {'pledge': v.pledge.id}] for v in to_write), []))


class Grade(CheckValuesMixin, ModelSQL, ModelView):
    "The grade a participant gives a bucket in a majority judgment"
    __name__ = 'commons.round.grade'
    round = fields.Many2One(
        'commons.round', "Round", required=True, ondelete='CASCADE')
    participant = fields.Many2One(
        'commons.round.participant', "Participant", required=True,
        ondelete='CASCADE',
        domain=[
            ('round', '=', Eval('round', -1)),
            ])
    bucket = fields.Many2One(
        'commons.round.bucket', "Bucket", required=True, ondelete='CASCADE',
        domain=[
            ('round', '=', Eval('round', -1)),
            ])
    grade = fields.Selection(
        GRADE_STRINGS, "Grade", required=True, sort=False,
        help="From the best to the worst.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('bucket_participant_uniq', Unique(t, t.bucket, t.participant),
                'commons_fund.msg_round_grade_unique'),
            ]
        cls._order = [
            ('round', 'DESC'),
            ('bucket', 'ASC'),
            ('grade', 'ASC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def order_grade(cls, tables):
        table, _ = tables[None]
        return [Case(*(
                    (table.grade == g, i) for i, g in enumerate(GRADES)),
                else_=len(GRADES))]

    @fields.depends('round', '_parent_round.id', 'participant')
    def on_change_round(self):
        if self.round and not self.participant:
            self.participant = self.round.get_own_participant()

    @classmethod
    def check_modification(cls, mode, grades, values=None, external=False):
        super().check_modification(
            mode, grades, values=values, external=external)
        for grade in grades:
            if not (mode == 'delete' and grade.round.state == 'cancelled'):
                grade.round.check_open_to_votes()

    @classmethod
    def create(cls, vlist):
        grades = super().create(vlist)
        for grade in grades:
            grade.round.check_open_to_votes()
        return grades

    @classmethod
    def validate_fields(cls, grades, field_names):
        super().validate_fields(grades, field_names)
        for grade in grades:
            if grade.round.method != 'majority_judgment':
                raise RoundValidationError(gettext(
                        'commons_fund.msg_round_grade_method',
                        grade=grade.rec_name,
                        round=grade.round.rec_name))

    def get_rec_name(self, name):
        return '%s: %s' % (self.participant.rec_name, self.bucket.rec_name)
