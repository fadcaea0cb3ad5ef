# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Category(metaclass=PoolMeta):
    __name__ = 'product.category'
    commons_levy = fields.Many2One(
        'commons.reciprocity.levy', "Commons Levy", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('context', {}).get('company', -1)),
            ],
        help="The share of the sales of the products of the category paid "
        "back to the commons they are based on.")


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    commons_levy = fields.Many2One(
        'commons.reciprocity.levy', "Commons Levy", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('context', {}).get('company', -1)),
            ],
        help="The share of the sales of the product paid back to the "
        "commons it is based on; if empty, the levy of its categories.")

    def get_commons_levy(self):
        """Return the levy of the product, or else of its accounting
        category, or else of its first category that has one"""
        if self.commons_levy:
            return self.commons_levy
        categories = list(self.categories)
        if self.account_category:
            categories.insert(0, self.account_category)
        for category in categories:
            if category.commons_levy:
                return category.commons_levy
