"""Generator workers, the dataset report and the training page's live updates."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from engine.protocol import Event
from ui.dataset_report import scan_folder
from ui.widgets.training_page import TrainingPage
from ui.workers import start_worker


def counting(n: int):
    yield from range(n)
    return n * 10


def failing():
    yield 1
    raise ValueError("disk on fire")


def test_worker_delivers_yields_result_and_errors(qtbot):
    seen: list[int] = []
    results: list[int] = []
    errors: list[tuple[str, str]] = []
    start_worker(counting, 3, on_yield=seen.append, on_return=results.append)
    start_worker(failing, on_error=lambda msg, tb: errors.append((msg, tb)))
    qtbot.waitUntil(lambda: bool(results and errors), timeout=5000)
    assert results == [30] and seen == [0, 1, 2]
    assert errors[0][0] == "ValueError: disk on fire" and "Traceback" in errors[0][1]


def test_dataset_report_counts_files_and_lyrics(tmp_path):
    for name, seconds in (("a", 12.0), ("b", 20.0)):
        sf.write(str(tmp_path / f"{name}.wav"), np.zeros((int(48000 * seconds), 2)), 48000)
    (tmp_path / "a.lrc").write_text("[00:01.00]hello\n")
    (tmp_path / "broken.wav").write_text("not audio")
    gen = scan_folder(tmp_path)
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        report = stop.value
    assert report.files == 2 and report.with_lyrics == 1
    assert round(report.seconds) == 32
    assert any("broken.wav" in p for p in report.problems)
    assert "2 recordings, 0.5 minutes" in report.lines()[0]


def test_training_page_plots_loss_and_lists_previews(qtbot, tmp_path):
    page = TrainingPage()
    qtbot.addWidget(page)
    sent: list[dict] = []
    page.train_requested.connect(sent.append)
    page.folder.setText(str(tmp_path))
    page.start.click()
    assert sent and sent[0]["data_dir"] == str(tmp_path) and not sent[0]["resume"]
    page.training_started("j-9")
    assert page.stop.isEnabled() and not page.start.isEnabled()
    for step, loss in ((10, 0.9), (20, 0.7)):
        page.on_event(Event("training_progress", {"step": step, "total": 100, "loss": loss,
                                                  "samples_per_s": 2.0, "eta": 120,
                                                  "previews": [str(tmp_path / "p10.wav")]},
                            job="j-9"))
    page.on_event(Event("training_progress", {"step": 5, "loss": 9.9}, job="other-job"))
    assert page.plot.points == [(10, 0.9), (20, 0.7)]
    assert page.previews.count() == 1
    with qtbot.waitSignal(page.stop_requested) as stop:
        page.stop.click()
    assert stop.args == ["j-9"]
    page.on_event(Event("job_done", {"status": "succeeded"}, job="j-9"))
    assert page.start.isEnabled() and page.job_id == ""


def test_training_page_shows_the_plan_and_how_close_the_previews_get(qtbot, tmp_path):
    page = TrainingPage()
    qtbot.addWidget(page)
    sent: list[dict] = []
    page.train_requested.connect(sent.append)
    page.folder.setText(str(tmp_path))
    page.start.click()
    assert sent[0]["preview_every"] == 150
    page.training_started("j-1")
    page.on_event(Event("progress", {"step": 0, "total": 0, "stage": "plan",
                                     "message": "decoder: reconstructions at 26.7 against 7.1 "
                                                "between the recordings: adapting"}, job="j-1"))
    page.on_event(Event("progress", {"stage": "plan", "message": "elsewhere"}, job="other"))
    assert page.plan_label.isVisibleTo(page)
    assert page.plan_label.text() == ("This run:\n• decoder: reconstructions at 26.7 against "
                                      "7.1 between the recordings: adapting")
    figures = {"closeness log-mel": 14.2, "closeness log-mel base": 26.1,
               "closeness log-mel floor": 7.0, "closeness log-mel ratio": 0.544,
               "verbatim": 0.0}
    page.on_event(Event("training_progress", {"step": 150, "total": 600, "loss": 0.5,
                                              "event": "validation", "validation": figures},
                        job="j-1"))
    assert "Closeness at step 150" in page.closeness.figures.text()
    assert "0.54 of the base pack's distance" in page.closeness.figures.text()
    assert not page.closeness.warning.isVisibleTo(page)
    page.on_event(Event("training_progress", {"step": 300, "total": 600, "loss": 0.4,
                                              "event": "validation",
                                              "validation": {**figures, "verbatim": 1.0}},
                        job="j-1"))
    assert page.closeness.warning.isVisibleTo(page)
    assert "memorise" in page.closeness.warning.text()
    page.on_event(Event("job_done", {"status": "succeeded"}, job="j-1"))
    page.start.click()  # a new run starts with a clean slate
    assert not page.plan_label.isVisibleTo(page) and not page.closeness.warning.isVisibleTo(page)
