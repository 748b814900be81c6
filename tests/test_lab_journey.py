"""The analyst's journey: a real JupyterLab server, the annual notebook opened in headless Chromium,
Run All, and the export cell's output on screen without an error."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser import chromium, chromium_path
from conftest import ROOT

pytestmark = pytest.mark.e2e

JUPYTER = Path(sys.executable).parent / "jupyter"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, path: str, token: str, method: str = "GET"):
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on loopback (random port, token) over a copy of the project; stopped,
    with its kernels, at the end."""
    if chromium_path() is None:
        pytest.skip("未安装 Chromium（Debian 软件包 chromium），跳过 JupyterLab 测试")
    try:
        subprocess.run([str(JUPYTER), "lab", "--version"], check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("未安装 JupyterLab（pip install -e '.[lab]'），跳过 JupyterLab 测试")
    root = tmp_path / "project"
    for folder in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / folder, root / folder)
    home = tmp_path / "jupyter"
    env = {k: v for k, v in os.environ.items() if k not in ("PERFLIB_ROOT", "JUPYTER_TOKEN")}
    env.update(JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    port, token = free_port(), secrets.token_hex(16)
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0", "--allow-root",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                api(base, "/api/status", token)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab 未能启动：" + (tmp_path / "lab.log").read_text()[-2000:])
                time.sleep(0.5)
        yield base, token, root
    finally:
        _stop(server, base, token)
        log.close()


def _stop(server: subprocess.Popen, base: str, token: str) -> None:
    """Shut kernels and server down through the API; the process group of this server if it lingers."""
    try:
        for kernel in api(base, "/api/kernels", token) or []:
            api(base, f"/api/kernels/{kernel['id']}", token, method="DELETE")
        api(base, "/api/shutdown", token, method="POST")
    except OSError:
        pass
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_analyst_runs_all_cells_in_jupyterlab_and_sees_the_export(lab):
    base, token, root = lab
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(f"{base}/lab/tree/notebooks/annual_report.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        # The kernel is "Python (perflib)" and idle before the analyst runs anything.
        # JupyterLab shows "No Kernel" until the session has started, so wait for the name, then idle.
        page.locator(".jp-KernelName", has_text="Python (perflib)").first.wait_for()
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        # The last cell shows the ledger (a table with the column 印刷形式); the export cell before it
        # says what it wrote.
        last = page.locator(".jp-Notebook .jp-CodeCell").last
        last.locator(".jp-OutputArea-output", has_text="印刷形式").wait_for(timeout=240_000)
        export = page.locator(".jp-Notebook .jp-OutputArea-output", has_text="已写出")
        assert export.count() == 1
        output = export.inner_text()
        assert "report.html" in output and "report.docx" in output
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert [t for t in errors.all_inner_texts() if "Error" in t or "Traceback" in t] == []
        # The provenance table stays compact at 1280 px: short hashes (the full value as tooltip and
        # below the table), no row stretched by an unbreakable 64-digit hash.
        provenance = page.locator(".jp-OutputArea-output", has_text="来源记录").first
        table = provenance.locator("table").first
        if os.environ.get("PERFLIB_LAB_SCREENSHOT"):  # to look at it
            provenance.scroll_into_view_if_needed()
            page.screenshot(path=os.environ["PERFLIB_LAB_SCREENSHOT"])
        box = table.bounding_box()
        rows = table.locator("tr").count()
        assert box and box["height"] < 90 * rows and box["width"] <= 1280, (box, rows)
        # The figures table is whole for the auditor: no 「…」 rows left out.
        figures_output = page.locator(".jp-OutputArea-output", has_text="key_evaluations.objects").first
        assert "…" not in figures_output.inner_text() and "..." not in figures_output.inner_text()
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        assert prompts and all(p.strip() not in ("[ ]:", "[*]:") for p in prompts), "every cell ran"
    out = root / "outputs" / "heshuo" / "2023"
    assert (out / "report.html").is_file() and (out / "report.docx").is_file() and (out / "figures.csv").is_file()
