# Django 3.2 + WhiteNoise reading a Kiln build, configured as README.md's "Use with Django"
# says (no project files: settings.configure). test/interop.test.mjs runs it:
#   python3 django_reader.py STATIC_ROOT check NAME...    → JSON: {% static NAME %} for each, or the error it raises
#   python3 django_reader.py STATIC_ROOT collectstatic    → runs collectstatic (the admin's files), then prints {"collected": true}
#   python3 django_reader.py STATIC_ROOT serve            → WhiteNoise over wsgiref on 127.0.0.1; prints the port
import json
import sys

import django
from django.conf import settings

static_root, command, *names = sys.argv[1:]

settings.configure(
    DEBUG=False,
    SECRET_KEY="kiln-interop-test",
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.staticfiles"],
    MIDDLEWARE=["whitenoise.middleware.WhiteNoiseMiddleware"],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
    # As README.md says: Kiln writes into STATIC_ROOT (kiln build --out … --public-path /static/ --format django).
    STATIC_ROOT=static_root,
    STATIC_URL="/static/",
    STATICFILES_STORAGE="django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    # Kiln's names (app-NJFUYD74.js) and Django's (base.5af66c1b1797.css) are both immutable.
    WHITENOISE_IMMUTABLE_FILE_TEST=r"(?:-[A-Z2-7]{8}|\.[0-9a-f]{12})\.[^/]+$",
)
django.setup()
urlpatterns = []

if command == "check":
    from django.template import Context, Template

    out = {"django": django.get_version()}
    for name in names:
        try:
            out[name] = {"url": Template("{% load static %}{% static name %}").render(Context({"name": name}))}
        except Exception as e:  # what a template render raises at request time
            out[name] = {"error": type(e).__name__, "message": str(e)}
    print(json.dumps(out))
elif command == "collectstatic":
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    print(json.dumps({"collected": True}))
elif command == "serve":
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
    print(json.dumps({"port": server.server_port}), flush=True)
    server.serve_forever()
