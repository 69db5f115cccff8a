"""Production settings: `filiera check --deploy` is clean with the documented env file, and production refuses to
start without a secret key. Each check runs `filiera` in a subprocess, as an operator would."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / "deploy" / "filiera.env.example"
FILIERA = str(Path(sys.executable).with_name("filiera"))


def example_env(tmp_path) -> dict[str, str]:
    """The settings of deploy/filiera.env.example (its uncommented lines), with a real secret and a temporary var."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _sep, value = line.partition("=")
            env[name] = value
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["FILIERA_VAR_DIR"] = str(tmp_path / "var")
    return env


def run_filiera(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([FILIERA, *args], env=env, capture_output=True, text=True, timeout=120, cwd=env["HOME"])



def test_the_env_example_names_production_mode_and_its_essentials(tmp_path):
    env = example_env(tmp_path)
    assert env["FILIERA_PRODUCTION"] == "1"
    for name in ("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SITE_URL", "DATABASE_URL", "REDIS_URL", "BEHIND_TLS_PROXY"):
        assert env[name], name


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    result = run_filiera(example_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_production_defaults_are_the_secure_ones(tmp_path):
    script = ("from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
              "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.DEBUG, "
              "s.FILIERA_STAFF_2FA, s.SECURE_PROXY_SSL_HEADER)")
    result = run_filiera(example_env(tmp_path), "shell", "--no-imports", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True", "True", "True", "31536000", "True", "False", "required", "('HTTP_X_FORWARDED_PROTO',", "'https')"]


def test_each_secure_default_can_be_turned_off_for_a_proxy_that_does_it(tmp_path):
    env = example_env(tmp_path) | {"SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "3600"}
    result = run_filiera(env, "shell", "--no-imports", "-c",
                         "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)")
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "3600"], result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = example_env(tmp_path)
    del env["SECRET_KEY"]
    result = run_filiera(env, "check")
    assert result.returncode != 0
    assert "FILIERA_PRODUCTION=1 needs SECRET_KEY" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = run_filiera(example_env(tmp_path) | {"DEBUG": "1"}, "check")
    assert result.returncode != 0
    assert "DEBUG off" in result.stderr


def test_without_production_mode_the_deploy_check_does_complain(tmp_path):
    """The clean result above is the production settings' doing, not a check that says nothing."""
    env = example_env(tmp_path)
    del env["FILIERA_PRODUCTION"]
    result = run_filiera(env, "check", "--deploy")
    assert "security.W004" in result.stderr + result.stdout  # no HSTS outside production
