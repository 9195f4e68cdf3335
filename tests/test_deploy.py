"""The deployment files in ``deploy/``, checked as far as this machine can (no container engine
here: the Dockerfile is read, not built; the compose file is parsed, not run).

- ``compose.yaml``: PostgreSQL, three replicas of one definition and HAProxy; every replica mounts
  the one outputs volume at the same path (a ledger row's path is valid on all of them) and gets
  its secrets from the environment, required by name, never written in the file; every
  ``PIXAPI_`` variable it sets is one the server reads.
- ``haproxy.cfg``: HAProxy's own ``-c`` check passes with the variables the compose file gives
  it; it balances round robin, checks ``/health`` and sticks on ``Mcp-Session-Id``.
- ``Dockerfile``: runs as a non-root user, carries the MCP server-name label, serves HTTP.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from pixapi_mcp.config import setting_variables
from tests.topology import HAPROXY_CFG, haproxy_binary

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SECRETS = ("PIXAPI_KEY", "PIXAPI_MCP_TOKEN", "PIXAPI_MCP_STATE_KEY")


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def test_compose_has_postgres_three_replicas_and_haproxy() -> None:
    services: dict[str, Any] = _compose()["services"]
    assert set(services) == {"postgres", "replica1", "replica2", "replica3", "haproxy"}
    replicas = [services[f"replica{i}"] for i in (1, 2, 3)]
    # One definition (a YAML anchor): the replicas cannot drift apart.
    assert replicas[0] == replicas[1] == replicas[2]
    replica = replicas[0]
    assert replica["build"]["dockerfile"] == "deploy/Dockerfile"
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    env: dict[str, str] = replica["environment"]
    assert (
        env["PIXAPI_LEDGER_URL"].startswith("postgresql://") and "@postgres:5432/" in env["PIXAPI_LEDGER_URL"]
    )
    # Shared outputs: the same volume, at the path PIXAPI_OUTPUT_DIR names, on every replica.
    assert f"outputs:{env['PIXAPI_OUTPUT_DIR']}" in replica["volumes"]
    # Named tokens: one file on a volume every replica mounts (a revoke reaches all of them).
    tokens_dir = env["PIXAPI_MCP_TOKENS_FILE"].rsplit("/", 1)[0]
    assert any(v.split(":")[1] == tokens_dir and not v.startswith(".") for v in replica["volumes"])
    assert "outputs" in _compose()["volumes"]
    lb = services["haproxy"]
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in lb["volumes"]
    assert {lb["environment"][f"PIXAPI_REPLICA_{i}"] for i in (1, 2, 3)} == {
        f"replica{i}:8000" for i in (1, 2, 3)
    }


def test_compose_takes_secrets_from_the_environment_by_name() -> None:
    env: dict[str, str] = _compose()["services"]["replica1"]["environment"]
    for name in SECRETS:
        # ${NAME:?message}: compose refuses to start, naming the variable, when it is unset.
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", env[name]), env[name]
    assert "${POSTGRES_PASSWORD:?" in env["PIXAPI_LEDGER_URL"]
    assert "${POSTGRES_PASSWORD:?" in _compose()["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_compose_sets_only_variables_the_server_reads() -> None:
    env: dict[str, str] = _compose()["services"]["replica1"]["environment"]
    unknown = {name for name in env if name.startswith("PIXAPI_")} - setting_variables()
    assert not unknown, f"compose.yaml sets variables the server does not read: {sorted(unknown)}"


def test_haproxy_config_is_valid_with_the_compose_addresses() -> None:
    text = HAPROXY_CFG.read_text()
    assert "balance roundrobin" in text and "option httpchk GET /health" in text
    assert "stick match req.hdr(mcp-session-id)" in text
    assert "stick store-response res.hdr(mcp-session-id)" in text
    binary = haproxy_binary()
    if binary is None:
        pytest.skip("HAProxy is not installed: apt-get install haproxy")
    lb_env = _compose()["services"]["haproxy"]["environment"]
    # The compose names do not resolve here; the config starts anyway (init-addr ... none) and
    # finds them later. With loopback addresses every server resolves.
    for addresses in (lb_env, {k: "127.0.0.1:9" for k in lb_env if k.startswith("PIXAPI_REPLICA_")}):
        env = {"PATH": "/usr/sbin:/usr/bin:/bin", **{k: str(v) for k, v in lb_env.items()}, **addresses}
        done = subprocess.run([binary, "-c", "-f", str(HAPROXY_CFG)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_is_non_root_labelled_and_serves_http() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0"), users
    assert 'LABEL io.modelcontextprotocol.server.name="' in text
    entry = re.search(r"^ENTRYPOINT\s+(\[.*\])", text, re.MULTILINE)
    assert entry and '"serve", "--transport", "http"' in entry[1]
    # No secret is baked in: the image's ENV names folders only.
    env_block = " ".join(re.findall(r"^ENV[^\n]*(?:\\\n[^\n]*)*", text, re.MULTILINE))
    assert not any(name in env_block for name in SECRETS)


@pytest.mark.slow  # pip fetches the build backend from the package registry, as the image build does
def test_the_dockerfiles_build_stage_makes_a_wheel_that_carries_the_postgresql_driver(tmp_path: Path) -> None:
    """No container engine runs here, so the build stage's own steps run on their own: exactly the
    files its COPY lines name, then its `pip wheel` (without dependencies, which need the
    registry to build the image's layers); the wheel must hold the docs and declare the extra the final stage installs."""
    text = (DEPLOY / "Dockerfile").read_text()
    build_stage = text.split("\nFROM ", 2)[1] if text.count("\nFROM ") > 1 else text
    copies = re.findall(r"^COPY\s+(?!--from)(.+?)\s+\S+$", build_stage, re.MULTILINE)
    repo = DEPLOY.parent
    for line in copies:
        for name in line.split():
            source = repo / name
            target = tmp_path / "src" / name
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    spec = re.search(r"pip wheel [^\n]*?'(\.\[[a-z,]+\])'", build_stage)
    assert spec, "the build stage builds the package with its extras"
    installed = re.search(r"pip install [^\n]*'pixapi-mcp(\[[a-z,]+\])'", text)
    assert installed and "postgres" in installed[1], "the final stage installs the PostgreSQL extra"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path / "w"),
            ".",
        ],
        cwd=tmp_path / "src",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = zipfile.ZipFile(next((tmp_path / "w").glob("pixapi_mcp-*.whl")))
    names = wheel.namelist()
    assert "pixapi_mcp/llms/llms.txt" in names and "pixapi_mcp/app/assets/pixapi-app.html" in names
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert re.search(r"^Requires-Dist: psycopg\b.*extra == .postgres.", metadata, re.MULTILINE), metadata[
        :500
    ]
    assert re.search(r"^Requires-Dist: psycopg-pool\b.*extra == .postgres.", metadata, re.MULTILINE)
