import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings.prod")

application = get_wsgi_application()

# Everything loaded so far (Django, the URLconf, the apps) lives as long as the worker: move it
# out of the garbage collector's sight, so that a full collection during a request only walks
# what requests allocate. Fewer and shorter pauses: a lower p99 under load.
gc.collect()
gc.freeze()
