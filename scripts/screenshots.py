"""Render the desktop app's screenshots offscreen into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out docs/screenshots]

Builds a realistic project (prompt, the example lyrics, a chord lane at 96 BPM, several takes
with waveforms, one of them made of five stems), then captures: the main window, the timeline
in word mode, the chord lane, the stems of a take (one muted, one soloed), the MIDI import
dialog, the queue mid-generation, the settings page and the training page with a loss curve.
No engine runs: its status is set by hand.
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
from PySide6.QtCore import QThreadPool

ROOT = Path(__file__).resolve().parents[1]

RATE = 48_000
BPM = 96.0
CHORDS = "Dm Bb F C Dm Bb C A Dm"
# (root Hz of the bass, triad Hz of the pad) per chord of CHORDS
CHORD_HZ = {"Dm": (73.42, (293.7, 349.2, 440.0)), "Bb": (58.27, (233.1, 293.7, 349.2)),
            "F": (87.31, (261.6, 349.2, 440.0)), "C": (65.41, (261.6, 329.6, 392.0)),
            "A": (55.00, (277.2, 329.6, 440.0))}


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


def _bar_chords(t: np.ndarray, bpm: float) -> list[str]:
    """The chord of CHORDS sounding at each sample time in `t` (one per 4/4 bar)."""
    chords = CHORDS.split()
    bars = (t // (4 * 60.0 / bpm)).astype(int)
    return [chords[b % len(chords)] for b in bars]


def stem_voices(seconds: float, bpm: float, seed: int) -> dict[str, np.ndarray]:
    """Five mono parts that read as drums, bass, harmony, melody and vocals in a thumbnail."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    beat = 60.0 / bpm
    phase = (t % beat) / beat
    chord = _bar_chords(t, bpm)
    root = np.array([CHORD_HZ[c][0] for c in chord])
    triad = np.array([CHORD_HZ[c][1] for c in chord])
    backbeat = ((t // beat) % 2 == 1) * np.exp(-phase * 14) * rng.normal(0, 0.6, t.size)
    drums = np.exp(-phase * 20) * np.sin(2 * np.pi * 50 * t) + backbeat
    bass = np.sin(2 * np.pi * np.cumsum(root) / RATE) * (0.25 + 0.75 * np.exp(-phase * 4))
    harmony = sum(np.sin(2 * np.pi * np.cumsum(triad[:, k]) / RATE) for k in range(3)) / 3
    harmony *= 0.5 + 0.5 * np.sin(2 * np.pi * t / (beat * 16)) ** 2
    eighth = (t % (beat / 2)) / (beat / 2)
    melody = np.sin(2 * np.pi * (triad[:, 2] * 2) * t) * np.exp(-eighth * 5)
    melody *= (t // (beat * 8)) % 2 == 0  # answers the vocals, phrase by phrase
    phrase = (t // (beat * 8)) % 2 == 1
    vocals = np.sin(2 * np.pi * (triad[:, 1] + 4 * np.sin(2 * np.pi * 5.5 * t)) * t) * phrase
    vocals *= 0.6 + 0.4 * np.abs(np.sin(np.pi * t / beat))
    fade = np.minimum(1, np.minimum(t / 0.5, (seconds - t) / 1.0))
    levels = {"drums": 0.45, "bass": 0.35, "harmony": 0.25, "melody": 0.2, "vocals": 0.3}
    parts = {"drums": drums, "bass": bass, "harmony": harmony, "melody": melody,
             "vocals": vocals}
    return {role: (parts[role] * levels[role] * fade).astype(np.float32) for role in parts}


def synth_stem_take(window, folder: Path, seconds: float) -> object:
    """A take folder of five stems (the mix their sum), as a pack with stems writes it."""
    from ainur_studio.types import Structure, Take, TakePart

    root = folder / "2026-11-22_harbour_band_1"
    root.mkdir(parents=True)
    voices = stem_voices(seconds, BPM, 5)
    parts = []
    for role, mono in voices.items():
        path = root / f"{role}.wav"
        sf.write(str(path), np.stack([mono, mono * 0.9], axis=1), RATE, subtype="PCM_24")
        parts.append(TakePart(role=role, path=str(path), given=role == "bass"))
    mix = sum(voices.values())
    sf.write(str(root / "mix.wav"), np.stack([mix, mix * 0.9], axis=1), RATE, subtype="PCM_24")
    request = window.prompt.to_request(window.lyrics.lyrics, window.lyrics.chords.chords)
    request.prompt, request.seed = "shanty, full band", 184467 + 5 * 7919
    request.structure = Structure(parts=[p.role for p in parts], bpm=BPM, metre="4/4",
                                  bars=round(seconds / (4 * 60 / BPM)),
                                  chords=CHORDS.split())
    return Take(take_id="band", path=str(root / "mix.wav"), request=request,
                frames=mix.size, parts=parts, folder=str(root),
                timings={"sample": 9.4, "decode": 2.1})


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
    window.lyrics.chords.set_text(CHORDS)
    band = synth_stem_take(window, folder, 9 * 4 * 60.0 / BPM)  # nine bars
    window.takes.add_take(band)
    window.controller.load_peaks(band)


def show_stems(window) -> None:
    """The band take's stems open, the harmony muted and the vocals soloed."""
    window.takes_view.set_stems_open("band", True)
    window.takes.toggle_mute("band", "harmony")
    window.takes.toggle_solo("band", "vocals")


def write_clip(path: Path) -> Path:
    """A three-track MIDI clip at 96 BPM: bass, keys and a lead line over CHORDS."""
    import io

    import mido

    from ainur_studio.midi_io import midi_bytes
    from ainur_studio.types import NoteEvent

    bar = 4 * 60.0 / BPM
    chords = CHORDS.split()
    roots = {"Dm": 38, "Bb": 34, "F": 41, "C": 36, "A": 33}
    triads = {"Dm": (62, 65, 69), "Bb": (58, 62, 65), "F": (60, 65, 69), "C": (60, 64, 67),
              "A": (61, 64, 69)}
    bass = [NoteEvent(roots[c] + 12 * (k % 2), i * bar + k * bar / 2,
                      i * bar + (k + 1) * bar / 2 - 0.05, 100)
            for i, c in enumerate(chords) for k in range(2)]
    keys = [NoteEvent(p, i * bar, (i + 1) * bar - 0.05, 80) for i, c in enumerate(chords)
            for p in triads[c]]
    lead = [NoteEvent(triads[c][k % 3] + 12, i * bar + k * bar / 4,
                      i * bar + (k + 1) * bar / 4 - 0.05, 90)
            for i, c in enumerate(chords) for k in range(4)]
    files = [mido.MidiFile(file=io.BytesIO(midi_bytes(notes, bpm=BPM, name=name,
                                                      program=program)))
             for name, notes, program in (("Bass", bass, 33), ("Keys", keys, 0),
                                          ("Lead", lead, 73))]
    files[0].tracks[1:] = [f.tracks[1] for f in files]
    files[0].save(str(path))
    return path


def open_midi_import(window, app, folder: Path):
    """The MIDI import dialog on a clip, once its tracks are read."""
    dialog = window.prompt_panel.open_midi_import(str(write_clip(folder / "harbour clip.mid")))
    for _ in range(200):
        app.processEvents()
        if not dialog.busy and dialog.clip is not None:
            break
        QThreadPool.globalInstance().waitForDone(50)
    dialog.path.setText("~/Music/harbour-sessions/harbour clip.mid")  # not the temp folder
    app.processEvents()
    return dialog


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


def capture_top(widget, path: Path, height: int) -> None:
    """The top `height` pixels of `widget` (the timeline's toolbar, chord lane and ruler)."""
    from PySide6.QtCore import QRect

    widget.grab(QRect(0, 0, widget.width(), height)).save(str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="ainur-shots-"))
    os.environ["AINUR_STUDIO_HOME"] = str(home)
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
    window.timeline.set_bpm(BPM)
    window.status.show_info("New take: folk, sea shanty, accordion")
    app.processEvents()
    capture(window, out / "main_window.png")
    capture_top(window.timeline, out / "chord_lane.png", 200)
    show_stems(window)
    app.processEvents()
    capture(window.docks["takes"], out / "stems.png")
    dialog = open_midi_import(window, app, home)
    capture(dialog, out / "midi_import.png")
    dialog.reject()
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
