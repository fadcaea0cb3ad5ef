# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import hashlib
import json
import unicodedata
from functools import wraps
from html import escape
from urllib.parse import quote

from werkzeug.exceptions import HTTPException

from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, allow_null_origin, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from . import opendata

MAX_AGE = 300
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# The largest id of the database, also the largest page
MAX_INTEGER = 2 ** 31 - 1


class _HTTPError(HTTPException):
    "An answer with a message, which with_pool lets through"

    def __init__(self, message):
        super().__init__(description=message)
        self.message = message


class _BadRequest(_HTTPError):
    code = HTTPStatus.BAD_REQUEST


class _NotFound(_HTTPError):
    code = HTTPStatus.NOT_FOUND


def _json_response(request, data, status=HTTPStatus.OK):
    body = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return _response(request, body, 'application/json', status=status)


def _response(request, body, content_type, status=HTTPStatus.OK):
    "Return the body cacheable by its ETag when the answer is OK"
    response = Response(body, status=status, content_type=content_type)
    if status == HTTPStatus.OK:
        etag = hashlib.sha256(body.encode('utf-8')).hexdigest()[:32]
        response.set_etag(etag)
        response.headers['Cache-Control'] = 'public, max-age=%s' % MAX_AGE
        response.make_conditional(request)
    else:
        response.headers['Cache-Control'] = 'no-store'
    return response


def _error(request, status, message):
    return _json_response(request, {
            'error': status.phrase,
            'status': int(status),
            'message': message,
            }, status=status)


def json_errors(func):
    "Answer the errors, also an unknown database, with a JSON body"
    @wraps(func)
    def wrapper(request, *args, **kwargs):
        try:
            return func(request, *args, **kwargs)
        except _HTTPError as exception:
            return _error(
                request, HTTPStatus(exception.code), exception.message)
        except HTTPException as exception:
            status = HTTPStatus(exception.code)
            if status == HTTPStatus.NOT_FOUND:
                message = "Unknown database"
            else:
                # The description of a server error may be an exception
                # whose text is not for the public
                message = status.description
            return _error(request, status, message)
    return wrapper


def _text(name, value):
    "Return the value of the parameter name, refused with a control character"
    if any(unicodedata.category(c) == 'Cc' for c in value):
        raise _BadRequest(
            "The parameter %s contains a control character" % name)
    return value


def _integer(name, value, minimum=1, maximum=MAX_INTEGER):
    "Return the value of the parameter name as an integer in the range"
    value = _text(name, value)
    if not (value.isascii() and value.isdigit()):
        raise _BadRequest(
            "The parameter %s must be an integer, not %r" % (name, value))
    value = int(value)
    if not minimum <= value <= maximum:
        raise _BadRequest(
            "The parameter %s must be between %s and %s, not %s" % (
                name, minimum, maximum, value))
    return value


def _company(pool, company_id):
    Company = pool.get('company.company')
    company_id = _integer('company', company_id)
    companies = Company.search([('id', '=', company_id)])
    if not companies:
        raise _NotFound("Unknown company %s" % company_id)
    return companies[0]


def _fiscalyear(request, company):
    name = request.args.get('fiscalyear')
    if name is not None:
        name = _text('fiscalyear', name)
    fiscalyear = opendata.find_fiscalyear(company, name)
    if not fiscalyear:
        if name:
            raise _NotFound("Unknown fiscal year %s" % name)
        raise _NotFound("No current fiscal year")
    return fiscalyear


def _optional_fiscalyear(request, company):
    "Return the fiscal year asked, or None for the whole ledger"
    if request.args.get('fiscalyear'):
        return _fiscalyear(request, company)


def _int_arg(request, name, default, maximum=MAX_INTEGER):
    value = request.args.get(name)
    if value is None:
        return default
    return _integer(name, value, maximum=maximum)


@app.route('/<database_name>/commons/<company>/resources',
    methods={'GET'})
@allow_null_origin
@json_errors
@with_pool
@with_transaction()
def resources(request, pool, company):
    company = _company(pool, company)
    fiscalyear = _fiscalyear(request, company)
    with Transaction().set_context(company=company.id):
        rows = opendata.resource_rows(company, fiscalyear)
    return _json_response(request, {
            **opendata.metadata(company, fiscalyear),
            'resources': rows,
            })


@app.route('/<database_name>/commons/<company>/resources/<code>',
    methods={'GET'})
@allow_null_origin
@json_errors
@with_pool
@with_transaction()
def resource(request, pool, company, code):
    company = _company(pool, company)
    code = _text('code', code)
    fiscalyear = _fiscalyear(request, company)
    with Transaction().set_context(company=company.id):
        rows = opendata.resource_rows(company, fiscalyear, code=code)
    if not rows:
        raise _NotFound("Unknown resource %s" % code)
    return _json_response(request, {
            **opendata.metadata(company, fiscalyear),
            'resource': rows[0],
            })


@app.route('/<database_name>/commons/<company>/ledger',
    methods={'GET'})
@allow_null_origin
@json_errors
@with_pool
@with_transaction()
def ledger(request, pool, company):
    company = _company(pool, company)
    fiscalyear = _optional_fiscalyear(request, company)
    page = _int_arg(request, 'page', 1)
    size = _int_arg(request, 'size', PAGE_SIZE, MAX_PAGE_SIZE)
    count, rows = opendata.ledger_rows(
        company, fiscalyear, offset=(page - 1) * size, limit=size)
    return _json_response(request, {
            **opendata.metadata(company, fiscalyear),
            'page': page,
            'size': size,
            'count': count,
            'pages': (count + size - 1) // size,
            'lines': rows,
            })


@app.route('/<database_name>/commons/<company>/datapackage.json',
    methods={'GET'})
@allow_null_origin
@json_errors
@with_pool
@with_transaction()
def datapackage(request, pool, company):
    Page = pool.get('commons.reporting.public_page')
    company = _company(pool, company)
    with Transaction().set_context(company=company.id):
        # The resources of the latest year with figures, the whole ledger
        # unless a year is asked
        fiscalyear = _page_fiscalyear(
            request, company, Page, Page.get_fiscalyears(company))
        query = '?fiscalyear=%s' % quote(fiscalyear.name)
        ledger = 'ledger.csv'
        if request.args.get('fiscalyear'):
            ledger += query
        data = opendata.datapackage(
            company, fiscalyear, source=request.base_url, ledger_path=ledger,
            resources_path='resources.csv' + query)
    return _json_response(request, data)


@app.route('/<database_name>/commons/<company>/ledger.csv',
    methods={'GET'})
@allow_null_origin
@json_errors
@with_pool
@with_transaction()
def ledger_csv(request, pool, company):
    company = _company(pool, company)
    fiscalyear = _optional_fiscalyear(request, company)
    return _response(
        request, opendata.ledger_csv(company, fiscalyear),
        'text/csv; charset=utf-8')


@app.route('/<database_name>/commons/<company>/resources.csv',
    methods={'GET'})
@allow_null_origin
@json_errors
@with_pool
@with_transaction()
def resources_csv(request, pool, company):
    company = _company(pool, company)
    fiscalyear = _fiscalyear(request, company)
    with Transaction().set_context(company=company.id):
        body = opendata.resources_csv(company, fiscalyear)
    return _response(request, body, 'text/csv; charset=utf-8')


def html_errors(func):
    "Answer the errors of a page with a page in the reader's language"
    @wraps(func)
    def wrapper(request, *args, **kwargs):
        try:
            return func(request, *args, **kwargs)
        except _HTTPError as exception:
            status = HTTPStatus(exception.code)
            reason = exception.message
        except HTTPException as exception:
            status = HTTPStatus(exception.code)
            reason = (
                "Unknown database" if status == HTTPStatus.NOT_FOUND
                else status.description)
        # The pool of an unknown database is not there to translate
        return _response(request, '<!DOCTYPE html>\n<html><head>'
            '<meta charset="utf-8"><title>%s %s</title></head><body>'
            '<h1>%s</h1></body></html>\n' % (
                int(status), escape(status.phrase), escape(reason)),
            'text/html; charset=utf-8', status=status)
    return wrapper


def _page_fiscalyear(request, company, Page, fiscalyears):
    name = request.args.get('fiscalyear')
    if name is not None:
        name = _text('fiscalyear', name)
    fiscalyear = Page.get_fiscalyear(company, fiscalyears, name)
    if not fiscalyear:
        if name:
            raise _NotFound("Unknown fiscal year %s" % name)
        raise _NotFound("No current fiscal year")
    return fiscalyear


def _page_response(request, body, language, content_type):
    response = _response(request, body, content_type)
    response.headers['Content-Language'] = language
    response.vary.add('Accept-Language')
    return response


def _translated_errors(func):
    "Translate the message of the errors of a page into its language"
    @wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        Page = pool.get('commons.reporting.public_page')
        language = Page.get_language(request.accept_languages)
        try:
            return func(request, pool, *args, Page=Page, language=language,
                **kwargs)
        except _NotFound as exception:
            raise _NotFound(gettext(
                    'commons_reporting.msg_page_not_found', language,
                    reason=exception.message))
        except _BadRequest as exception:
            raise _BadRequest(gettext(
                    'commons_reporting.msg_page_bad_request', language,
                    reason=exception.message))
    return wrapper


def _page_data(request, pool, company, Page, language, code=None):
    "Return the data of the page and the host's page URL"
    company = _company(pool, company)
    base = '/%s/commons/%s/' % (quote(pool.database_name), company.id)
    with Transaction().set_context(company=company.id, language=language):
        fiscalyears = Page.get_fiscalyears(company)
        fiscalyear = _page_fiscalyear(request, company, Page, fiscalyears)
        if code is None:
            data = Page.get_host(company, fiscalyear, fiscalyears)
        else:
            code = _text('code', code)
            data = Page.get_resource(company, fiscalyear, fiscalyears, code)
            if data is None:
                raise _NotFound("Unknown resource %s" % code)
    return data, base


def _html_page(request, pool, company, Page, language, code=None):
    data, base = _page_data(request, pool, company, Page, language, code)
    with Transaction().set_context(language=language):
        if code is None:
            body = Page.render_host(data, language, base)
        else:
            body = Page.render_resource(data, language, base)
    return _page_response(
        request, body, language, 'text/html; charset=utf-8')


@app.route('/<database_name>/commons/<company>/', methods={'GET'})
@allow_null_origin
@html_errors
@with_pool
@with_transaction()
@_translated_errors
def host_page(request, pool, company, Page, language):
    return _html_page(request, pool, company, Page, language)


@app.route('/<database_name>/commons/<company>/page/<code>',
    methods={'GET'})
@allow_null_origin
@html_errors
@with_pool
@with_transaction()
@_translated_errors
def resource_page(request, pool, company, code, Page, language):
    return _html_page(request, pool, company, Page, language, code)


@app.route('/<database_name>/commons/<company>/badge/<code>.svg',
    methods={'GET'})
@allow_null_origin
@html_errors
@with_pool
@with_transaction()
@_translated_errors
def badge(request, pool, company, code, Page, language):
    company = _company(pool, company)
    code = _text('code', code)
    with Transaction().set_context(company=company.id, language=language):
        fiscalyears = Page.get_fiscalyears(company)
        fiscalyear = _page_fiscalyear(request, company, Page, fiscalyears)
        rows = opendata.resource_rows(company, fiscalyear, code=code)
        if not rows:
            raise _NotFound("Unknown resource %s" % code)
        body = Page.render_badge(rows[0], language)
    return _page_response(request, body, language, 'image/svg+xml')
