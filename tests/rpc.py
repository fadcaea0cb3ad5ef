# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A JSON-RPC client of trytond, as the web client talks to it.

Each call is one HTTP request, hence one transaction of the server's
dispatcher, with its own retries; nothing is retried here.
"""
import base64
import json
import urllib.error
import urllib.request

from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder


class Fault(Exception):
    "The server refused the call: a Tryton error, or an HTTP status"

    def __init__(self, status, kind=None, message='', body=''):
        super().__init__(status, kind, message)
        self.status = status
        self.kind = kind
        self.message = message
        self.body = body

    def __str__(self):
        return '%s %s: %s' % (self.status, self.kind or '', self.message)


def _request(url, payload, headers=None, timeout=300):
    data = json.dumps(payload, cls=JSONEncoder).encode('utf-8')
    request = urllib.request.Request(url, data=data, method='POST',
        headers={'Content-Type': 'application/json', **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read().decode('utf-8')
    except urllib.error.HTTPError as error:
        raise Fault(error.code, body=error.read().decode(
                'utf-8', errors='replace'))
    result = json.loads(body, object_hook=JSONDecoder())
    if result.get('error'):
        kind, args = result['error'][0], result['error'][1]
        message = args[0] if isinstance(args, list) and args else args
        raise Fault(200, kind, message, body)
    return result['result']


class Client:
    "A user logged in to a database of the server at url"

    def __init__(self, url, database, login, password):
        self.url = '%s/%s/rpc/' % (url.rstrip('/'), database)
        self.login = login
        user_id, session = _request(self.url, {
                'id': 0, 'method': 'common.db.login',
                'params': [login, {'password': password}, 'en'],
                })[:2]
        self.user_id = user_id
        token = '%s:%s:%s' % (login, user_id, session)
        self.headers = {
            'Authorization': 'Session ' + base64.b64encode(
                token.encode('utf-8')).decode('ascii'),
            }
        self.context = self.call('model.res.user.get_preferences', True)

    def call(self, method, *args, context=None):
        "Call method (model.x.y, wizard.x.y) with args and the context"
        if context is None:
            context = getattr(self, 'context', {})
        return _request(self.url, {
                'id': 1, 'method': method,
                'params': [*args, context],
                }, headers=self.headers)

    def model(self, name, method, *args, context=None):
        return self.call('model.%s.%s' % (name, method), *args,
            context=context)

    def wizard(self, name, state, data, action=None):
        """Run the wizard name with data up to the transition state, the
        action's active records being action = (model, ids)"""
        context = dict(self.context)
        if action:
            model, ids = action
            context.update({
                    'active_model': model,
                    'active_id': ids[0] if ids else None,
                    'active_ids': ids,
                    })
        session, start, _ = self.call(
            'wizard.%s.create' % name, context=context)
        try:
            return self.call(
                'wizard.%s.execute' % name, session, data, state,
                context=context)
        finally:
            self.call('wizard.%s.delete' % name, session, context=context)
