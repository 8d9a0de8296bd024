import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "training_site.settings.production")

application = get_wsgi_application()

# Every view module loaded now (the URLconf imports them), then everything loaded so far set
# aside from the garbage collector (gc.freeze): a full collection otherwise walks these
# ~200,000 objects that live as long as the process, and stopped a worker for 90-140 ms
# every few hundred requests (the p99 of every page under load; bench/README.md).
get_resolver().url_patterns  # noqa: B018 - the import is the point
gc.freeze()
