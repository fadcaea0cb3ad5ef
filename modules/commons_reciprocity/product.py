# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import ModelSQL, fields
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Category(CompanyMultiValueMixin, metaclass=PoolMeta):
    __name__ = 'product.category'
    commons_levy = fields.MultiValue(fields.Many2One(
            'commons.reciprocity.levy', "Commons Levy",
            domain=[
                ('company', '=', Eval('context', {}).get('company', -1)),
                ],
            states={
                'readonly': ~Eval('context', {}).get('company'),
                },
            help="The share of the company's sales of the products of the "
            "category paid back to the commons they are based on."))
    commons_levies = fields.One2Many(
        'product.category.commons_levy', 'category', "Commons Levies")

    def get_commons_levy(self, company):
        "Return the levy of the category on the sales of the company"
        levy = self.get_multivalue('commons_levy', company=company.id)
        if levy and levy.company == company:
            return levy


class CategoryCommonsLevy(ModelSQL, CompanyValueMixin):
    __name__ = 'product.category.commons_levy'
    category = fields.Many2One(
        'product.category', "Category", ondelete='CASCADE', required=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    commons_levy = fields.Many2One(
        'commons.reciprocity.levy', "Commons Levy", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.required = True


class Template(CompanyMultiValueMixin, metaclass=PoolMeta):
    __name__ = 'product.template'
    commons_levy = fields.MultiValue(fields.Many2One(
            'commons.reciprocity.levy', "Commons Levy",
            domain=[
                ('company', '=', Eval('context', {}).get('company', -1)),
                ],
            states={
                'readonly': ~Eval('context', {}).get('company'),
                },
            help="The share of the company's sales of the product paid back "
            "to the commons it is based on; if empty, the levy of its "
            "categories."))
    commons_levies = fields.One2Many(
        'product.template.commons_levy', 'template', "Commons Levies")

    def get_commons_levy(self, company):
        """Return the levy on the sales of the product by the company: the
        product's, else its accounting category's, else the first of its
        categories that has one"""
        levy = self.get_multivalue('commons_levy', company=company.id)
        if levy and levy.company == company:
            return levy
        categories = list(self.categories)
        if self.account_category:
            categories.insert(0, self.account_category)
        for category in categories:
            levy = category.get_commons_levy(company)
            if levy:
                return levy


class TemplateCommonsLevy(ModelSQL, CompanyValueMixin):
    __name__ = 'product.template.commons_levy'
    template = fields.Many2One(
        'product.template', "Template", ondelete='CASCADE', required=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    commons_levy = fields.Many2One(
        'commons.reciprocity.levy', "Commons Levy", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.required = True


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    def get_commons_levy(self, company):
        "Return the levy on the sales of the variant by the company"
        return self.template.get_commons_levy(company)
