# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.modules.commons_fund.distribution import proportional
from trytond.modules.commons_fund.model import CheckValuesMixin
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .contract import percent
from .exceptions import LevyValidationError


class Levy(CheckValuesMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'commons.reciprocity.levy'
    name = fields.Char(
        "Name", required=True, translate=True,
        help="The name of the levy.")
    company = fields.Many2One(
        'company.company', "Company", required=True,
        help="The host whose sales carry the levy.")
    rate = fields.Numeric(
        "Rate", digits=(None, 4), required=True,
        help="The share of the untaxed amount of each sale paid back to "
        "the commons.")
    lines = fields.One2Many(
        'commons.reciprocity.levy.line', 'levy', "Beneficiaries",
        help="The resources that receive the levy and their share.")
    total_share = fields.Function(fields.Numeric(
            "Total Share", digits=(None, 4),
            help="The sum of the shares of the beneficiaries, "
            "which must make 100 %."),
        'on_change_with_total_share')

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def validate_fields(cls, levies, field_names):
        super().validate_fields(levies, field_names)
        cls.check_rate(levies, field_names)
        cls.check_shares(levies, field_names)

    @classmethod
    def check_rate(cls, levies, field_names=None):
        if field_names and 'rate' not in field_names:
            return
        for levy in levies:
            if not (0 <= levy.rate <= 1):
                raise LevyValidationError(gettext(
                        'commons_reciprocity.msg_levy_rate',
                        levy=levy.rec_name,
                        rate=percent(levy.rate)))

    @fields.depends('lines')
    def on_change_with_total_share(self, name=None):
        return sum((l.share or 0 for l in self.lines), Decimal(0))

    @classmethod
    def check_shares(cls, levies, field_names=None):
        if field_names and 'lines' not in field_names:
            return
        for levy in levies:
            if not levy.lines:
                continue
            total = sum(l.share or 0 for l in levy.lines)
            if total != 1:
                raise LevyValidationError(gettext(
                        'commons_reciprocity.msg_levy_shares',
                        levy=levy.rec_name,
                        total=percent(total)))

    def split(self, base, currency):
        """Return the levy on base split per line of the levy (rounded with
        the currency, summing exactly to the rounded levy)"""
        amount = currency.round(base * self.rate)
        # A credit note gives back the levy: the same split, negated
        parts = proportional(
            abs(amount), {l: l.share for l in self.lines}, currency.rounding)
        return {l: a.copy_sign(amount) for l, a in parts.items()}


class LevyLine(
        CheckValuesMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'commons.reciprocity.levy.line'
    levy = fields.Many2One(
        'commons.reciprocity.levy', "Levy", required=True,
        ondelete='CASCADE',
        help="The levy the resource receives a share of.")
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company')
    resource = fields.Many2One(
        'commons.resource', "Resource", required=True, ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The resource that receives a share of the levy.")
    fund = fields.Many2One(
        'commons.fund', "Fund", required=True, ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '=', 'earmarked'),
            ('resource', '=', Eval('resource', -1)),
            ],
        help="The earmarked fund of the resource credited with the levy.")
    share = fields.Numeric(
        "Share", digits=(None, 4), required=True,
        domain=[
            ('share', '>', 0),
            ('share', '<=', 1),
            ],
        help="The part of the levy that goes to the resource.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('levy')

    @fields.depends('levy', '_parent_levy.company')
    def on_change_with_company(self, name=None):
        return self.levy.company if self.levy else None

    @fields.depends('resource', 'fund')
    def on_change_resource(self):
        if self.resource and (
                not self.fund or self.fund.resource != self.resource):
            self.fund = self.resource.get_earmarked_fund()
