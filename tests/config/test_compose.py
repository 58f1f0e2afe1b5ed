"""docker-compose.yml agrees with the code: its variables, commands and health checks are real.

No Docker engine runs where these tests run, so the compose file is read, not started: every
variable it gives the app is one the settings (or gunicorn.conf.py) read, every command it runs
exists and matches the Makefile and the Dockerfile, web and workers wait for the one-shot migrate,
and the health checks ask for URLs and apps that exist.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = sorted(name for name, spec in SERVICES.items() if spec.get("build") == ".")
# Read by manage.py, config/wsgi.py and config/celery.py rather than by the settings themselves.
SOURCES_OF_VARIABLES = [
    *sorted((ROOT / "config" / "settings").glob("*.py")),
    ROOT / "gunicorn.conf.py",
    ROOT / "manage.py",
    ROOT / "config" / "wsgi.py",
    ROOT / "config" / "celery.py",
]
READ = re.compile(
    r"""(?:\benv(?:\.\w+)?\(\s*|os\.environ(?:\.get|\.setdefault)?[\[(]\s*)["']([A-Z][A-Z0-9_]*)["']"""
)


def variables_read() -> set[str]:
    return {name for path in SOURCES_OF_VARIABLES for name in READ.findall(path.read_text())}


def commands(spec) -> list[list[str]]:
    """The simple commands of a compose `command`, with `sh -c "a && b"` taken apart."""
    words = shlex.split(spec) if isinstance(spec, str) else list(spec)
    if words[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in words[2].split("&&")]
    return [words]


def makefile_recipe(target: str) -> list[str]:
    text = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{target}:.*\n\t(.+)$", text, re.MULTILINE)
    assert match, f"no `{target}` target in the Makefile"
    return shlex.split(match.group(1).replace("$(BIN)/", ""))


def test_the_app_services_are_the_ones_the_topology_needs():
    assert APP_SERVICES == ["beat", "migrate", "web", "worker"]
    assert {"postgres", "redis", "minio", "bucket"} <= set(SERVICES)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_variable_given_to_the_app_is_read_by_the_settings(service):
    given = set(SERVICES[service]["environment"])
    assert given - variables_read() == set()


def test_every_variable_in_the_env_example_is_read_by_the_settings_or_the_compose_file():
    example = re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
    assert example
    assert set(example) - variables_read() - interpolated == set()


def test_the_app_uses_the_object_store_the_compose_file_creates():
    env = SERVICES["web"]["environment"]
    bucket_script = SERVICES["bucket"]["entrypoint"]
    assert f"mc mb --ignore-existing store/{env['AWS_STORAGE_BUCKET_NAME']}" in bucket_script
    assert f"mc anonymous set none store/{env['AWS_STORAGE_BUCKET_NAME']}" in bucket_script
    assert env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["AWS_ACCESS_KEY_ID"] == SERVICES["minio"]["environment"]["MINIO_ROOT_USER"]
    assert env["AWS_SECRET_ACCESS_KEY"] == SERVICES["minio"]["environment"]["MINIO_ROOT_PASSWORD"]
    # Nothing on a local disk is shared between the app containers.
    for service in APP_SERVICES:
        assert "volumes" not in SERVICES[service], service


@pytest.mark.parametrize("service", ["web", "worker", "beat"])
def test_web_and_workers_wait_for_the_one_shot_migrate_and_never_migrate_themselves(service):
    spec = SERVICES[service]
    assert spec["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert spec["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert spec["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert spec["depends_on"]["bucket"] == {"condition": "service_completed_successfully"}
    assert not any("migrate" in word for command in commands(spec["command"]) for word in command)


def test_migrate_runs_management_commands_that_exist():
    steps = commands(SERVICES["migrate"]["command"])
    assert [step[:3] for step in steps] == [
        ["python", "manage.py", "migrate"],
        ["python", "manage.py", "load_library"],
    ]
    known = get_commands()
    for step in steps:
        assert step[2] in known, step


def test_the_web_command_is_the_dockerfile_cmd_and_its_config_and_app_exist():
    [command] = commands(SERVICES["web"]["command"])
    cmd = re.search(r"^CMD (\[.+\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert cmd, "the Dockerfile has no CMD [...]"
    assert json.loads(cmd.group(1)) == command
    assert command[:3] == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert (ROOT / command[2]).is_file()
    module, attribute = command[3].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_the_celery_commands_are_the_makefiles_on_the_project_app(service):
    from celery import Celery

    [command] = commands(SERVICES[service]["command"])
    assert command[: len(makefile_recipe(service))] == makefile_recipe(service)
    assert command[:3] == ["celery", "-A", "config"]
    assert isinstance(importlib.import_module("config.celery").app, Celery)


def test_the_web_health_check_asks_the_health_view_on_gunicorns_port(monkeypatch):
    test = SERVICES["web"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "curl"]
    url = test[-1]
    match = re.fullmatch(r"http://localhost:(\d+)(/\S*)", url)
    assert match, url
    assert resolve(match.group(2)).url_name == "healthz"
    # The port gunicorn binds without PORT set, and the one published.
    monkeypatch.delenv("PORT", raising=False)
    conf: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), conf)
    assert conf["bind"] == f"0.0.0.0:{match.group(1)}"
    assert SERVICES["web"]["ports"] == [f"{match.group(1)}:{match.group(1)}"]
    # The production settings redirect plain HTTP unless the request says the proxy saw HTTPS.
    assert "X-Forwarded-Proto: https" in test


def test_the_worker_health_check_pings_this_worker_of_the_project_app():
    [shell, script] = SERVICES["worker"]["healthcheck"]["test"]
    assert shell == "CMD-SHELL"
    words = shlex.split(script)
    assert words[:5] == ["celery", "-A", "config", "inspect", "ping"]
    # `$$` is compose's escape for `$`: the container's own hostname, the worker's default node name.
    assert words[words.index("--destination") + 1] == "celery@$$HOSTNAME"


def test_gunicorn_takes_workers_threads_and_proxy_trust_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "7")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")
    conf: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), conf)
    assert (conf["worker_class"], conf["workers"], conf["threads"]) == ("gthread", 5, 7)
    assert conf["bind"] == "0.0.0.0:8123"
    assert conf["forwarded_allow_ips"] == "10.0.0.5"
    assert conf["logger_class"].__name__ == "RedactingLogger"
