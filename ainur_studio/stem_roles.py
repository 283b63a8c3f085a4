"""Is a stem heard as its role? A classifier of stem audio into the corpus roles (drums, bass,
harmony, melody, vocals), trained on corpus stems, for the stems model's report.

Each stem (a crop, mono at 22.05 kHz) becomes 53 figures: the percussive share of its energy
(HPSS), the share of its energy in six bands (below 120 Hz, 120-250, 250-500, 500 Hz-2 kHz,
2-6 kHz, above), spectral flatness and centroid (medians), the fraction of frames that hold
a pitch (the normalised autocorrelation peaks above 0.5), and 20 MFCCs'
means and standard deviations. A standardised multinomial logistic regression maps them to
a role. A stem quieter than -50 dBFS is `SILENT` and never counts as its role.

The classifier is fitted in the run that uses it (on the corpus's training clips) and is not
stored, so nothing is unpickled. Needs the `midi` extra (librosa, scikit-learn).
"""

from __future__ import annotations

import typing as tp

import numpy as np

from ainur_studio.structure_measures import SR, mono_22k

SILENT = "silent"
SILENCE_DBFS = -50.0
BANDS_HZ = (120.0, 250.0, 500.0, 2_000.0, 6_000.0)
N_MFCC = 20


def level_dbfs(wav: tp.Any) -> float:
    audio = np.asarray(wav, dtype=np.float64)
    rms = float(np.sqrt(np.mean(audio ** 2))) if audio.size else 0.0
    return 20.0 * np.log10(rms) if rms > 0 else -np.inf


def stem_features(wav: tp.Any, sample_rate: int) -> np.ndarray:
    """The role figures of one stem ([C, T] or [T])."""
    import librosa

    y = mono_22k(wav, sample_rate)
    spec = np.abs(librosa.stft(y, n_fft=2048, hop_length=512)) ** 2
    total = spec.sum() + 1e-12
    harmonic, percussive = librosa.decompose.hpss(spec)
    freqs = librosa.fft_frequencies(sr=SR, n_fft=2048)
    edges = (0.0, *BANDS_HZ, SR / 2 + 1)
    bands = [spec[(freqs >= a) & (freqs < b)].sum() / total for a, b in zip(edges, edges[1:])]
    flatness = np.median(librosa.feature.spectral_flatness(S=np.sqrt(spec)))
    centroid = np.median(librosa.feature.spectral_centroid(S=np.sqrt(spec), sr=SR))
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(librosa.feature.melspectrogram(
        S=spec, sr=SR)), n_mfcc=N_MFCC)
    return np.array([percussive.sum() / (harmonic.sum() + percussive.sum() + 1e-12), *bands,
                     flatness, np.log(centroid + 1.0), _voiced_share(y), *mfcc.mean(axis=1),
                     *mfcc.std(axis=1)], dtype=np.float64)


def _voiced_share(y: np.ndarray, frame: int = 2048, hop: int = 1024) -> float:
    """Fraction of sounding frames whose normalised autocorrelation peaks above 0.5 at a lag
    of 40 Hz to 1 kHz (a held pitch)."""
    lags = slice(int(SR / 1000), int(SR / 40))
    voiced = sounding = 0
    for start in range(0, max(1, len(y) - frame), hop):
        x = y[start:start + frame] - y[start:start + frame].mean()
        energy = float(np.dot(x, x))
        if energy < 1e-6:
            continue
        sounding += 1
        ac = np.fft.irfft(np.abs(np.fft.rfft(x, 2 * frame)) ** 2)[:frame] / energy
        voiced += float(ac[lags].max()) > 0.5
    return voiced / sounding if sounding else 0.0


class RoleClassifier:
    """Stem audio -> role, fitted on labelled stems."""

    def __init__(self) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self._model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))

    def fit(self, features: tp.Sequence[np.ndarray], roles: tp.Sequence[str]) -> RoleClassifier:
        if len(set(roles)) < 2:
            raise ValueError(f"the role classifier needs stems of at least two roles, got "
                             f"{sorted(set(roles))}: give it more corpus clips")
        self._model.fit(np.stack(features), list(roles))
        return self

    def predict(self, wav: tp.Any, sample_rate: int) -> str:
        """The role `wav` sounds like, or `SILENT`."""
        if level_dbfs(wav) < SILENCE_DBFS:
            return SILENT
        return self.predict_features(stem_features(wav, sample_rate))

    def predict_features(self, features: np.ndarray) -> str:
        return str(self._model.predict(features[None])[0])
