"""The dashboard in headless Chromium (Debian's chromium, driven by Playwright).

One server (``python -m sim dashboard --host 127.0.0.1 --port P``) for the module; each test opens
a fresh page (its own Solara session and its own model) and checks that the page raised no
script error and asked no host but loopback.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("dashboard-browser")]

LOAD_TIMEOUT = 60_000
ARTIFACTS = Path(os.environ.get("REFORMSIM_TEST_ARTIFACTS",
                              Path(__file__).resolve().parents[2] / "results" / "test-artifacts"))


def open_dashboard(page, url):
    page.goto(url)
    page.get_by_role("button", name="Step", exact=True).wait_for(timeout=LOAD_TIMEOUT)
    page.locator("img.reformsim-chart-outcomes").wait_for(timeout=LOAD_TIMEOUT)
    return page


def month(page) -> int:
    text = page.locator(".reformsim-month").first.inner_text()
    return int(re.search(r"Month (\d+)", text).group(1))


def wait_month(page, n: int, timeout: float = 20_000) -> None:
    page.wait_for_function(
        "n => { const e = document.querySelector('.reformsim-month');"
        " return e && e.textContent.trim() === 'Month ' + n; }", arg=n, timeout=timeout)


def chart_src(page) -> str:
    return page.locator("img.reformsim-chart-outcomes").first.get_attribute("src") or ""


def slider(page, label: str):
    return page.get_by_role("slider", name=label)


def choose(page, select_label: str, option: str) -> None:
    """Pick ``option`` in the Vuetify select labelled ``select_label``."""
    field = page.locator(".v-select").filter(has=page.get_by_text(select_label, exact=True))
    field.locator(".v-select__slot").click()
    page.locator(".v-menu__content.menuable__content__active .v-list-item").filter(
        has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")).first.click()


def screenshot(page, name: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def test_page_renders_offline_with_sliders_and_charts(page, dashboard_url):
    open_dashboard(page, dashboard_url)
    for name in ("Reset", "Step"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="▶", exact=True)).to_be_visible()
    expect(page.locator(".v-input__slider").filter(has_text="Budget level")).to_be_visible()
    expect(slider(page, "Budget level")).to_have_count(1)
    expect(page.locator("img.reformsim-chart-outcomes")).to_be_visible()
    expect(page.locator("img.reformsim-chart-network")).to_be_visible()
    expect(page.get_by_text("Cost per client", exact=True).first).to_be_visible()
    expect(page.get_by_text("Sick leave", exact=True).first).to_be_visible()
    expect(page.get_by_text("Service quality", exact=True).first).to_be_visible()
    page.get_by_text("What the levers mean").wait_for()
    screenshot(page, "dashboard-loaded")
    page.log.assert_clean()
    assert any("/_solara/cdn/" in u for u in page.log.requests), "front end not served locally"


def reform_preset() -> str:
    """A preset that switches a reform on (vouchers if there is such a preset)."""
    from sim.dashboard.runs import preset_names

    names = preset_names()
    return "voucher_choice" if "voucher_choice" in names else names[-1]


def switches_on(preset: str) -> list[str]:
    """The labels of the lever switches that ``preset`` turns on."""
    from sim.dashboard.app import lever_inputs

    return [spec["label"] for spec in lever_inputs(preset).values()
            if spec["type"] == "Checkbox" and spec["value"]]


def status(page) -> str:
    return page.locator(".reformsim-status").inner_text()


def sidebar_cards(page) -> list[str]:
    """The titles of the sidebar's cards, top to bottom."""
    return page.evaluate("() => [...document.querySelectorAll('.v-navigation-drawer .v-card')]"
                         ".map(c => c.innerText.trim().split('\\n')[0])")


def move_budget_down(page) -> float:
    """Press ArrowLeft twice on the budget slider; returns the new value."""
    budget = slider(page, "Budget level")
    start = float(budget.get_attribute("aria-valuenow"))
    budget.focus()
    budget.press("ArrowLeft")
    budget.press("ArrowLeft")
    new = round(start - 0.1, 2)
    page.wait_for_function(
        "v => { const s = document.querySelector('[role=slider][aria-label=\"Budget level\"]');"
        " return s && Math.abs(parseFloat(s.getAttribute('aria-valuenow')) - v) < 1e-6; }",
        arg=new, timeout=10_000)
    return new


def test_preset_steps_slider_reset(page, dashboard_url):
    from sim.dashboard.runs import preset_names

    open_dashboard(page, dashboard_url)
    target = reform_preset()
    compare = preset_names()[0]
    assert target != compare
    choose(page, "Reform preset (your scenario)", target)
    page.get_by_text(f"Your scenario: {target}").first.wait_for(timeout=LOAD_TIMEOUT)
    choose(page, "Compare with", compare)
    page.get_by_text(f"Comparison: {compare}").first.wait_for(timeout=LOAD_TIMEOUT)
    wait_month(page, 0)
    on = switches_on(target)
    for label in on:  # the preset's switches are loaded into the levers
        expect(page.get_by_role("checkbox", name=label)).to_be_checked()

    before = chart_src(page)
    for i in range(1, 4):
        page.get_by_role("button", name="Step", exact=True).click()
        wait_month(page, i)
    page.wait_for_function(
        "old => { const i = document.querySelector('img.reformsim-chart-outcomes');"
        " return i && i.src !== old; }", arg=before, timeout=20_000)
    assert chart_src(page) != before, "the charts did not change after three steps"
    assert "–" not in page.locator(".reformsim-summary").inner_text()

    budget = move_budget_down(page)
    page.get_by_role("button", name="Reset", exact=True).click()
    wait_month(page, 0)
    # Reset runs the preset chosen in the sidebar, with the moved lever and nothing else changed
    page.get_by_text(f"Your scenario: {target} + 1 change").first.wait_for(timeout=LOAD_TIMEOUT)
    text = status(page)
    assert f"Your scenario: {target} + 1 change" in text, text
    assert f"budget.budget_level = {budget:g}" in text, text
    assert f"Comparison: {compare}" in text, text
    for label in on:  # e.g. vouchers: still on
        expect(page.get_by_role("checkbox", name=label)).to_be_checked()
    cards = sidebar_cards(page)  # Step and Play stay near the top, above the long lever list
    assert cards.index("Scenario") < cards.index("Controls") < cards.index("Levers"), cards
    page.get_by_role("button", name="Step", exact=True).click()
    wait_month(page, 1)
    screenshot(page, "dashboard-after-reset")
    page.log.assert_clean()


def test_changing_preset_reloads_the_levers(page, dashboard_url):
    """A lever moved under one preset does not linger (on the page or in Reset) after another."""
    open_dashboard(page, dashboard_url)
    first = reform_preset()
    choose(page, "Reform preset (your scenario)", first)
    page.get_by_text(f"Your scenario: {first}").first.wait_for(timeout=LOAD_TIMEOUT)
    start = float(slider(page, "Budget level").get_attribute("aria-valuenow"))
    move_budget_down(page)
    choose(page, "Reform preset (your scenario)", "baseline")
    page.get_by_text("Your scenario: baseline").first.wait_for(timeout=LOAD_TIMEOUT)
    page.wait_for_function(
        "v => { const s = document.querySelector('[role=slider][aria-label=\"Budget level\"]');"
        " return s && Math.abs(parseFloat(s.getAttribute('aria-valuenow')) - v) < 1e-6; }",
        arg=start, timeout=10_000)
    for label in switches_on(first):
        expect(page.get_by_role("checkbox", name=label)).not_to_be_checked()
    page.get_by_role("button", name="Step", exact=True).click()
    wait_month(page, 1)
    page.get_by_role("button", name="Reset", exact=True).click()
    wait_month(page, 0)
    text = status(page)
    assert "Your scenario: baseline (" in text, text
    assert "change" not in text.split("Comparison:")[0], text
    page.log.assert_clean()


def test_play_and_pause(page, dashboard_url):
    open_dashboard(page, dashboard_url)
    page.get_by_role("button", name="▶", exact=True).click()
    page.wait_for_function(
        "() => { const e = document.querySelector('.reformsim-month');"
        " return e && parseInt(e.textContent.replace('Month ', '')) >= 5; }", timeout=30_000)
    page.get_by_role("button", name="❚❚", exact=True).click()
    page.get_by_role("button", name="Step", exact=True).wait_for()
    page.wait_for_function(
        "() => !document.querySelector('button[disabled]') ||"
        " [...document.querySelectorAll('button')].some(b => b.textContent.includes('Step')"
        " && !b.disabled)", timeout=10_000)
    assert month(page) >= 5
    page.log.assert_clean()


def test_bad_seed_is_refused_on_the_page(page, dashboard_url):
    open_dashboard(page, dashboard_url)
    seed = page.get_by_label("Seed (the same for both runs)")
    seed.fill("not-a-number")
    seed.press("Enter")
    page.get_by_text("The seed must be a whole number").first.wait_for(timeout=20_000)
    # the page is still alive and still runs the old seed
    page.get_by_role("button", name="Step", exact=True).click()
    wait_month(page, 1)
    seed.fill("11")
    seed.press("Enter")
    page.get_by_text("Same seed (11)").first.wait_for(timeout=LOAD_TIMEOUT)
    assert page.get_by_text("The seed must be a whole number").count() == 0
    page.log.assert_clean()


def test_export_data_and_chart(page, dashboard_url, tmp_path):
    open_dashboard(page, dashboard_url)
    for i in range(1, 3):
        page.get_by_role("button", name="Step", exact=True).click()
        wait_month(page, i)
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name=re.compile("Download data")).click()
    csv = tmp_path / "run.csv"
    info.value.save_as(csv)
    text = csv.read_text()
    assert text.startswith("# reformsim dashboard run")
    assert "run,preset,seed" in text and "comparison" in text and "cost_per_client" in text
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name=re.compile("Download chart")).click()
    png = tmp_path / "chart.png"
    info.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.log.assert_clean()


DROP_FILE = """([name, text]) => {
  // Solara's FileDrop reads event.dataTransfer.items[i].webkitGetAsEntry().file(): a drag from
  // the desktop cannot be made in headless Chromium, so the drop event carries a real File the
  // same way; the upload (chunks over the widget channel), validation and runs are the page's.
  const zone = document.querySelector('.reformsim-world-upload .solara-file-drop');
  const file = new File([text], name, {type: 'text/csv'});
  const entry = {isFile: true, file: (ok) => ok(file)};
  const event = new Event('drop', {bubbles: true, cancelable: true});
  Object.defineProperty(event, 'dataTransfer', {value: {items: [{webkitGetAsEntry: () => entry}]}});
  zone.dispatchEvent(event);
}"""


def network_svg_text(page) -> str:
    """The SVG document the network image shows (the image widget's bytes, via its blob URL)."""
    return page.evaluate("async () => { const img = document.querySelector("
                         "'img.reformsim-chart-network'); return await (await fetch(img.src))"
                         ".text(); }")


def test_an_uploaded_world_names_the_municipalities_on_the_page(page, dashboard_url):
    from sim.worldfile import load_world

    example = Path(__file__).resolve().parents[2] / "worlds" / "example_region.csv"
    names = load_world(example).names
    open_dashboard(page, dashboard_url)
    expect(page.locator(".reformsim-world")).to_contain_text("synthetic world")
    page.evaluate(DROP_FILE, ["region.csv", example.read_text(encoding="utf-8")])
    expect(page.locator(".reformsim-world")).to_contain_text(
        "Both runs: region.csv (12 municipalities)", timeout=LOAD_TIMEOUT)
    expect(page.locator(".reformsim-world-upload")).to_contain_text("Havbyen")
    page.locator("img.reformsim-chart-network").wait_for(timeout=LOAD_TIMEOUT)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_month(page, 1, timeout=LOAD_TIMEOUT)
    drawn = network_svg_text(page)
    assert all(f">{name}</text>" in drawn for name in names), drawn[:400]
    choose(page, "Municipality", f"1: {names[1]}")
    expect(page.locator(".reformsim-units")).to_be_visible()
    assert "No units" not in page.locator(".reformsim-municipality").inner_text()
    screenshot(page, "dashboard-world-upload")
    page.get_by_role("button", name="Back to the synthetic world").click()
    expect(page.locator(".reformsim-world")).to_contain_text("synthetic world",
                                                             timeout=LOAD_TIMEOUT)
    page.log.assert_clean()
