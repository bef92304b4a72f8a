"""The HTML report in a real browser (headless Chromium): it loads cleanly, every image decodes, it is not
blank on screen, and it prints one section per page. Skipped, with the reason, when Chromium is absent."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import pytest

import placeplan
from conftest import TOY
from placeplan.outputs.report import render_report_html
from test_report import write_toy_geometry

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and Path(p).is_file()), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="headless Chromium is not installed (apt-get install chromium)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--enable-logging=stderr", "--v=0"]

# Appended to a test copy only (the report itself has no script): records, after the page has loaded,
# whether each image decoded and its natural size.
PROBE = ('<script>window.addEventListener("load",function(){var r=[];document.querySelectorAll("img").forEach('
         'function(i){r.push({ok:i.complete,w:i.naturalWidth,h:i.naturalHeight,aw:i.getAttribute("width")})});'
         'var p=document.createElement("pre");p.id="probe";p.textContent=JSON.stringify(r);'
         'document.body.appendChild(p);});</script>')


def chromium(url: str, *extra: str, window: str = "1280,2400") -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={window}", *extra, url],
                              capture_output=True, text=True, timeout=120)


def console_errors(stderr: str) -> list[str]:
    """Lines where the page itself complained (console messages, uncaught errors, failed loads)."""
    signs = (":CONSOLE", "Uncaught", "ERR_FILE_NOT_FOUND", "Not allowed to load")
    return [line for line in stderr.splitlines() if any(sign in line for sign in signs)]


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    """The toy council's report, with maps (polygons added in a copy), written to a file."""
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(TOY.parent / "toy_council", root / "toy_council")
    write_toy_geometry(root / "toy_council")
    (root / "toy_council.yaml").write_text(TOY.read_text().replace(
        "  table: toy_council/planning_areas.csv\n",
        "  table: toy_council/planning_areas.csv\n  geometry: toy_council/areas.geojson\n"
        "  boundary: toy_council/boundary.geojson\n", 1))
    html = render_report_html(placeplan.run(root / "toy_council.yaml", draws=40))
    path = root / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def probe(path: Path, html: str) -> list[dict]:
    copy = path.with_name(path.stem + "-probe.html")
    copy.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = chromium(copy.as_uri(), "--virtual-time-budget=10000", "--dump-dom")
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"the probe did not run; stderr: {done.stderr[-2000:]}"
    return json.loads(found.group(1).replace("&quot;", '"'))


def test_report_loads_without_console_errors(report_file):
    done = chromium(report_file.as_uri(), "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert '<html lang="en-GB">' in dom
    for section in ("summary", "maps", "areas", "programme", "options", "backtest", "ledger", "method"):
        assert f'<section id="{section}"' in dom
    assert dom.count("<img ") == 7  # three maps, two small-multiple figures, programme, past forecasts
    # (no reliability diagram: the toy's one base year has no earlier outcome to score a chance from)
    assert console_errors(done.stderr) == []


def test_every_image_decodes_in_the_browser(report_file):
    html = report_file.read_text(encoding="utf-8")
    images = probe(report_file, html)
    assert len(images) == 7
    for image in images:
        assert image["ok"] and image["w"] >= 100 and image["h"] >= 50, image
        assert str(image["w"]) == image["aw"], "width attribute differs from the PNG's own width"
    # The check bites: corrupt one image and the browser reports it undecoded.
    first = html.index("data:image/png;base64,") + len("data:image/png;base64,")
    broken = html[:first] + "AAAA" + html[first + 4:]
    assert probe(report_file.with_name("broken.html"), broken)[0]["w"] == 0


def test_screenshot_is_not_blank(report_file, tmp_path):
    shot = tmp_path / "shot.png"
    done = chromium(report_file.as_uri(), f"--screenshot={shot}", window="1280,3000")
    assert shot.is_file(), done.stderr[-2000:]
    pixels = mpimg.imread(io.BytesIO(shot.read_bytes()), format="png")[..., :3]
    assert pixels.shape[:2] == (3000, 1280)
    grey = pixels.mean(axis=2)
    assert grey.std() > 0.1
    masthead = pixels[10:100, 100:1180].mean(axis=(0, 1))  # the dark blue title band
    assert masthead[2] > masthead[0] + 0.2 and masthead.mean() < 0.5
    charts = grey[1000:3000]
    assert (charts < 0.5).mean() > 0.01, "the lower part of the page has no ink (maps and charts missing?)"


def test_report_prints_one_section_per_page(report_file, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "printed.pdf"
    done = chromium(report_file.as_uri(), f"--print-to-pdf={out}", "--no-pdf-header-footer")
    assert out.is_file(), done.stderr[-2000:]
    reader = PdfReader(str(out))
    assert len(reader.pages) >= 8
    starts = [re.sub(r"\s+", " ", page.extract_text())[:200] for page in reader.pages]
    for heading in ("2. Where places fall short", "3. Planning areas", "4. Sub-areas and schools",
                    "5. Capital programme", "6. Options compared", "7. Forecast accuracy",
                    "8. How past forecasts did", "9. Method, data"):
        assert any(heading in start for start in starts), f"{heading!r} does not start a printed page"
