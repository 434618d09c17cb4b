from django.apps import AppConfig


class JiuzhuConfig(AppConfig):
    name = "jiuzhu"
    verbose_name = "社会救助联席会议"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import pagecache

        # Every database write moves its app's page-cache generation on (jiuzhu/pagecache.py).
        connection_created.connect(pagecache.watch_connection, dispatch_uid="jiuzhu-pagecache")
        pagecache.watch_open_connections()
