"""``reformsim compare`` writes a report a person can open anywhere, offline, and read."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from sim.cli import main


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    code = main(["compare", "baseline", "voucher_choice", "--replications", "3", "--years", "1",
                 "--seed", "5", "--workers", "2", "--no-progress", "--out", str(out)])
    assert code == 0
    return out


def test_the_report_is_self_contained(compared):
    page = (compared / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(" not in page
    images = re.findall(r"<img [^>]*src='([^']*)'", page)
    assert len(images) == 4 and all(i.startswith("data:image/png;base64,") for i in images)


def test_the_report_shows_intervals_differences_and_definitions(compared):
    page = (compared / "report.html").read_text()
    for text in ("baseline", "voucher_choice", "95% interval", "difference from baseline", "quality",
                 "satisfaction", "cost_per_client", "sick_leave_pct", "Scenario definitions",
                 "NOK per client-year", "common random numbers"):
        assert text in page
    assert "vouchers.enabled" in page  # what voucher_choice changes from the defaults


def test_the_data_come_as_parquet_and_csv(compared):
    results = pd.read_parquet(compared / "results.parquet")
    assert len(pd.read_csv(compared / "results.csv")) == len(results) == 2 * 3 * 12 * 5
    summary = pd.read_csv(compared / "summary.csv")
    assert set(summary["scenario"]) == {"baseline", "voucher_choice"}
    assert {"mean", "ci_low", "ci_high", "diff", "diff_low", "diff_high"} <= set(summary.columns)
    seeds = results.groupby("scenario")["seed"].unique()
    assert sorted(seeds["baseline"]) == sorted(seeds["voucher_choice"])  # common random numbers


def test_the_terminal_shows_means_with_intervals(compared, tmp_path, capsys):
    # A second start with the same --out computes nothing and prints the same table.
    assert main(["compare", "baseline", "voucher_choice", "--replications", "3", "--years", "1",
                 "--seed", "5", "--workers", "2", "--no-progress", "--out", str(compared)]) == 0
    captured = capsys.readouterr()
    assert "0 runs computed, 6 skipped" in captured.err
    line = next(l for l in captured.out.splitlines() if l.startswith("voucher_choice"))
    assert re.search(r"\d+\.\d \[\d+\.\d, \d+\.\d\]", line)


def test_an_unknown_scenario_is_one_message_exit_2_and_nothing_written(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", "baseline", "vouchers_please", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "vouchers_please" in err and "built-in scenarios" in err and "Traceback" not in err
    assert not out.exists()


def test_the_report_and_terminal_show_the_market_columns(compared, capsys):
    page = (compared / "report.html").read_text()
    assert "Markets by sector" in page
    for column in ("entries", "exits", "slack_public", "slack_private", "productivity_public",
                   "need_private", "need_public", "contracts_shaded", "contracts_detected"):
        assert f"<th>{column}</th>" in page
    assert "% of paid hours" in page          # units in the definitions
    assert main(["compare", "baseline", "voucher_choice", "--replications", "3", "--years", "1",
                 "--seed", "5", "--workers", "2", "--no-progress", "--out", str(compared)]) == 0
    out = capsys.readouterr().out
    assert "need_private" in out and re.search(r"voucher_choice\s+home_care", out)
