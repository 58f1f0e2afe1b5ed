from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"

    def ready(self) -> None:
        # Register the app's Celery tasks with the process's app, so that services can send them
        # by name (procurement.queue) in web processes as well as in workers.
        from procurement import tasks  # noqa: F401
