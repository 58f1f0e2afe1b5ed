from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        # Register the app's Celery tasks with the process's app, so that services can send them
        # by name (procurement.queue) in web processes as well as in workers.
        from reports import tasks  # noqa: F401
