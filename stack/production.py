"""The production topology on this machine: ``./heard up --production``.

nginx is the only public listener; behind it run ``HEARD_REPLICAS`` (2) replicas each of Rasa, the action
server and the handoff service on loopback ports, sharing PostgreSQL (Rasa's tracker store, the handoff
and insurance databases) and Redis (Rasa's lock store, the handoff event bus). The commands and variables
are the ones docker-compose.yml gives its containers; the supervisor restarts whatever dies.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Callable

from stack.processes import APP_VENV, Service, Stack, rasa_argv
from stack.production_settings import ProductionSettings
from stack.settings import ROOT, StackSettings

NGINX_TEMPLATE = ROOT / "docker" / "nginx" / "heard.conf.template"
TEMPLATE_VARIABLE = re.compile(r"\$\{([A-Z_]+)\}")
DATABASES = ("tracker", "handoff", "insurance")


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise RuntimeError("nginx is not installed: ./heard setup --production installs it "
                           "(apt-get install nginx)")
    return found


def render_template(template: str, values: dict[str, str]) -> str:
    """Fills ``${UPPER_CASE}`` like the nginx image's envsubst; a name without a value is an error here."""
    missing = sorted(set(TEMPLATE_VARIABLE.findall(template)) - set(values))
    if missing:
        raise KeyError(f"nginx template needs {', '.join(missing)}")
    return TEMPLATE_VARIABLE.sub(lambda match: values[match.group(1)], template)


def nginx_config(settings: ProductionSettings, run_dir: Path, log_dir: Path) -> str:
    def servers(name: str) -> str:
        # max_fails=0: a replica is never marked down for a slow answer (a conversation waiting for its lock),
        # which with two replicas left "no live upstreams" and a burst of instant 502s (bench/faults.py);
        # a dead one still refuses the connection and the request goes to the next.
        return " ".join(f"server 127.0.0.1:{port} max_fails=0;" for port in settings.replica_ports(name))

    site = render_template(NGINX_TEMPLATE.read_text(), {
        "RASA_SERVERS": servers("rasa"), "ACTIONS_SERVERS": servers("actions"), "HANDOFF_SERVERS": servers("handoff"),
        "HEARD_PUBLIC_LISTEN": f"{settings.HEARD_PUBLIC_HOST}:{settings.HEARD_PUBLIC_PORT}",
        "HEARD_INTERNAL_LISTEN": f"127.0.0.1:{settings.HEARD_INTERNAL_PORT}",
    })
    temp = "\n".join(f"  {kind}_temp_path {run_dir / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# Written by stack/production.py at each start; edit docker/nginx/heard.conf.template instead.
worker_processes 1;
pid {run_dir / 'nginx.pid'};
error_log {log_dir / 'nginx-error.log'} warn;
events {{ worker_connections 4096; }}
http {{
  access_log {log_dir / 'nginx-access.log'};
{temp}
{site}
}}
"""


def production_services(settings: ProductionSettings, nginx_conf: Path) -> list[Service]:
    app_python = str(APP_VENV / "bin" / "python")
    services = [Service("nginx", [nginx_binary(), "-c", str(nginx_conf), "-g", "daemon off;"],
                        f"http://127.0.0.1:{settings.HEARD_INTERNAL_PORT}/nginx-health")]
    ports = {name: settings.replica_ports(name) for name in ("rasa", "actions", "handoff")}
    credentials = settings.HEARD_VAR_DIR / "credentials.yml"
    for i in range(settings.HEARD_REPLICAS):
        rasa_port, actions_port, handoff_port = ports["rasa"][i], ports["actions"][i], ports["handoff"][i]
        services += [
            Service(f"actions-{i + 1}", [app_python, "-m", "actions.server", "--host", "127.0.0.1",
                                         "--port", str(actions_port)],
                    f"http://127.0.0.1:{actions_port}/health", env={"ACTION_SERVER_PORT": str(actions_port)}),
            Service(f"handoff-{i + 1}", [app_python, "-m", "handoff_service"], f"http://127.0.0.1:{handoff_port}/health",
                    env={"HANDOFF_HOST": "127.0.0.1", "HANDOFF_PORT": str(handoff_port)}),
            Service(f"rasa-{i + 1}", rasa_argv(settings.child_env(), "127.0.0.1", rasa_port, credentials),
                    f"http://127.0.0.1:{rasa_port}/status?token={settings.RASA_TOKEN}",
                    is_ready=lambda r: r.status_code == 200 and bool(r.json().get("model_id")),
                    env={"RASA_PORT": str(rasa_port)}),
        ]
    return services


def ensure_databases(settings: ProductionSettings, log: Callable[[str], None] = print) -> list[str]:
    """Creates the role and the three databases when missing (idempotent); returns what it created."""
    import psycopg
    from psycopg import sql

    created = []
    with psycopg.connect(settings.POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        role = settings.POSTGRES_USER
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(settings.POSTGRES_PASSWORD)))
            created.append(f"role {role}")
        for name in DATABASES:
            database = settings.database(name)
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
                admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database), sql.Identifier(role)))
                created.append(f"database {database}")
    for item in created:
        log(f"PostgreSQL: created {item}")
    return created


class ProductionStack(Stack):
    """``with ProductionStack(settings) as stack:`` prepares the databases, starts nginx and the replicas."""

    def __init__(self, settings: ProductionSettings, log: Callable[[str], None] = print) -> None:
        self.production = settings
        env = {**settings.child_env(), "PYTHONPATH": str(ROOT)}
        self.run_dir = settings.HEARD_VAR_DIR / "run"
        self._nginx_conf = self.run_dir / "nginx.conf"
        super().__init__(StackSettings(env=env), log=log, processes=production_services(settings, self._nginx_conf))

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.production.HEARD_PUBLIC_PORT}"

    def check_ports(self) -> None:
        super().check_ports()
        public = ("127.0.0.1", self.production.HEARD_PUBLIC_PORT)
        from stack.processes import _listening

        if _listening(*public):
            raise RuntimeError(f"port already in use (nginx public port {public[1]}): choose HEARD_PUBLIC_PORT")

    def prepare(self) -> None:
        """One-shot steps before the replicas start, so two replicas never race to migrate."""
        ensure_databases(self.production, log=self.log)
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / kind).mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._nginx_conf.write_text(nginx_config(self.production, self.run_dir, self.log_dir))
        checked = subprocess.run([nginx_binary(), "-t", "-c", str(self._nginx_conf)], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration:\n{checked.stderr}")
        env = {**os.environ, **self.settings.env}
        app_python = str(APP_VENV / "bin" / "python")
        for step in (["-m", "actions.insurance.setup"],
                     ["-c", "from handoff_service.bootstrap import prepare_database;"
                            "from handoff_service.config import SETTINGS; prepare_database(SETTINGS)"]):
            done = subprocess.run([app_python, *step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                raise RuntimeError(f"preparing the databases failed ({' '.join(step)}):\n{done.stderr[-3000:]}")

    def start(self, timeout: float = 300.0) -> None:
        self.check_ports()
        self.prepare()
        super().start(timeout)
