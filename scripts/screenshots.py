"""Render the desktop app's screenshots offscreen into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out docs/screenshots]

Builds a realistic project (prompt, the example lyrics, several takes with waveforms), then
captures: the main window, the timeline in word mode, the queue mid-generation, the settings
page and the training page with a loss curve. No engine runs: its status is set by hand.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]

RATE = 48_000


def synth_take(path: Path, seconds: float, bpm: float, seed: int) -> int:
    """A plausible-looking music waveform: kick pulses, a chord pad and a melody swell."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    beat = 60.0 / bpm
    phase = (t % beat) / beat
    kick = np.exp(-phase * 18) * np.sin(2 * np.pi * 55 * t)
    chords = sum(np.sin(2 * np.pi * f * t) for f in (196.0, 246.9, 293.7)) / 3
    swell = 0.5 + 0.5 * np.sin(2 * np.pi * t / (beat * 8) + seed)
    melody = np.sin(2 * np.pi * (392 + 40 * np.sin(2 * np.pi * t / beat / 2)) * t) * swell
    noise = rng.normal(0, 0.05, t.size) * np.exp(-((t % (beat / 2)) / (beat / 2)) * 10)
    fade = np.minimum(1, np.minimum(t / 1.5, (seconds - t) / 2.0))
    mono = (0.5 * kick + 0.25 * chords * swell + 0.2 * melody + noise) * fade * 0.8
    sf.write(str(path), np.stack([mono, mono * 0.95], axis=1), RATE, subtype="PCM_24")
    return t.size


def build_project(window, folder: Path) -> None:
    from ainur_studio.types import PromptFields, Take
    from ui.models.lyric_io import import_lrc

    import_lrc(window.lyrics, ROOT / "resources" / "example.lrc")
    window.prompt.update(prompt="", duration_s=22.0, seed=184467, steps=32, guidance=5.0,
                         variations=2)
    window.prompt.update_fields(**vars(PromptFields(
        genre=["folk", "sea shanty"], instruments=["accordion", "acoustic guitar", "male vocals"],
        mood=["warm", "nostalgic"], bpm=96.0, key="D minor", time_signature="4/4")))
    window.prompt_panel.seed_lock.setChecked(True)
    window.prompt_panel.set_models(["starter", "starter-lora-harbour"])
    prompts = ["folk, sea shanty, accordion", "folk, sea shanty, accordion",
               "sparse acoustic guitar, male vocals", "folk, harmonium drone"]
    for i, text in enumerate(prompts):
        path = folder / f"2026-11-22_harbour_{1000 + i}.wav"
        frames = synth_take(path, 22.0, 96.0, i)
        request = window.prompt.to_request(window.lyrics.lyrics)
        request.prompt, request.seed = text, 184467 + i * 7919
        take = Take(take_id=f"take{i}", path=str(path), request=request, frames=frames,
                    timings={"sample": 6.1 + i * 0.4, "decode": 1.2})
        window.takes.add_take(take)
        window.controller.load_peaks(take)


def fake_engine_status(window) -> None:
    window.status.set_engine_state("busy")
    window.status.set_engine_status({"device": "cuda:0", "precision": "bf16",
                                     "model": "starter", "memory": {"used_mb": 6350,
                                                                    "total_mb": 24576},
                                     "daw": {"tempo": 96, "time_signature": "4/4",
                                             "playing": False}})


def fake_queue(window) -> None:
    from engine.protocol import Event

    jobs = window.jobs
    done = jobs.add_pending("r1", "generate", "folk, sea shanty, accordion")
    jobs.bind("r1", "j-1")
    jobs.apply_event(Event("job_done", {"takes": ["a.wav", "b.wav"], "elapsed": 14.2}, job="j-1"))
    jobs.add_pending("r2", "generate", "sparse acoustic guitar, male vocals · extend right 10 s")
    jobs.bind("r2", "j-2")
    jobs.apply_event(Event("started", {}, job="j-2"))
    jobs.apply_event(Event("progress", {"step": 19, "total": 32, "elapsed": 8.4, "eta": 5.7,
                                        "stage": "sample"}, job="j-2"))
    jobs.add_pending("r3", "generate", "folk, harmonium drone · variation 40 %")
    jobs.bind("r3", "j-3", position=0)
    del done


def fake_training(page, folder: Path) -> None:
    from ui.dataset_report import DatasetReport

    page.folder.setText("~/Music/harbour-sessions")
    page.show_report(DatasetReport(folder=page.folder.text(), files=23, seconds=23 * 187.0,
                                   with_lyrics=17, with_text=23, sample_rates={48000: 19,
                                                                               44100: 4}))
    page.training_started("j-train")
    rng = np.random.default_rng(3)
    for step in range(0, 1240, 10):
        loss = 0.09 + 0.5 * np.exp(-step / 260) + rng.normal(0, 0.015)
        page.plot.add_point(step, float(loss), 2000)
    for n in (250, 500, 750, 1000):
        page._add_preview(str(folder / f"preview_step{n:05d}.wav"))
    page.state_label.setText("training · 3.4 samples/s · 11 min left")


def capture(widget, path: Path) -> None:
    widget.grab().save(str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="ainur-shots-"))
    os.environ["AINUR_STUDIO_HOME"] = str(home)
    from PySide6.QtCore import QThreadPool

    from ui.app import create_application
    from ui.main_window import MainWindow
    from ui.player import Player, _SilentOutput
    from ui.settings import Settings

    app = create_application()
    window = MainWindow(settings=Settings(home / "settings.ini"), start_engine=False,
                        player=Player(output=_SilentOutput()))
    window.resize(1600, 960)
    window.show()
    build_project(window, home)
    QThreadPool.globalInstance().waitForDone(10000)
    for _ in range(5):
        app.processEvents()
    window.takes_view.setCurrentIndex(window.takes.index(1))
    window.session._mark_clean()
    window.session.path = Path("Lanterns over the harbour.ainur")
    window._update_title()
    fake_engine_status(window)
    fake_queue(window)
    window.timeline.set_playhead(7350)
    window.timeline.canvas.select(2)
    window.timeline.set_bpm(96.0)
    window.status.show_info("New take: folk, sea shanty, accordion")
    app.processEvents()
    capture(window, out / "main_window.png")
    window.timeline.actions_["words"].trigger()
    window.timeline.zoom(1.6)
    window.timeline.scroll.horizontalScrollBar().setValue(0)
    window.timeline.tap_sync = None
    window.timeline.canvas.tap_target = (2, 3)
    app.processEvents()
    capture(window.timeline, out / "timeline_words.png")
    capture(window.docks["queue"], out / "queue.png")
    window.show_settings_page()
    page = window.settings_page
    page.output_folder.setText("~/Music/Ainur takes")
    page.add_osc_target({"name": "REAPER", "host": "127.0.0.1", "port": 8000,
                         "adapter": "reaper"})
    page.add_osc_target({"name": "Live", "host": "127.0.0.1", "port": 11000,
                         "adapter": "ableton"})
    app.processEvents()
    capture(window, out / "settings.png")
    fake_training(window.show_training_page(), home)
    app.processEvents()
    capture(window, out / "training.png")
    window.session._mark_clean()
    window.close()
    for name in sorted(p.name for p in out.glob("*.png")):
        sys.stdout.write(f"wrote {out / name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
