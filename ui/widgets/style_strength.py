"""The prompt panel's "Style strength" control: how strongly a fine-tuned (LoRA) pack pulls
toward its recordings, a slider and a spin box in percent (the request's `style_strength`
times 100: 0 % = the base pack, 100 % = as trained, up to 200 % to exaggerate)."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QHBoxLayout, QSlider, QSpinBox, QWidget

from ainur_studio.limits import LIMITS
from ui.models.prompt_state import PromptState

LIMIT = LIMITS["style_strength"]


class StyleStrengthWidget(QWidget):
    """Writes `style_strength` into the `PromptState`; `refresh()` shows the state's."""

    def __init__(self, state: PromptState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        low, high = round(LIMIT.low * 100), round(LIMIT.high * 100)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(low, high)
        self.slider.setPageStep(10)
        self.slider.setTickInterval(50)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.spin = QSpinBox()
        self.spin.setRange(low, high)
        self.spin.setSingleStep(5)
        self.spin.setSuffix(" %")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.valueChanged.connect(self._on_percent)
        self.spin.valueChanged.connect(self._on_percent)
        self.set_base("")
        self.refresh()

    def percent(self) -> int:
        return self.spin.value()

    def set_base(self, base: str) -> None:
        """Name the pack the fine-tune was trained on in the tooltip."""
        of = f" ({base})" if base else ""
        self.setToolTip("How strongly the fine-tuned model pulls toward the recordings it was "
                        f"trained on: 0 % = its base model{of}, 100 % = as trained, up to "
                        f"{self.spin.maximum()} % to exaggerate")

    def refresh(self) -> None:
        self._show(round(self.state.request.style_strength * 100))

    def _on_percent(self, percent: int) -> None:
        self._show(percent)
        self.state.update(style_strength=percent / 100)

    def _show(self, percent: int) -> None:
        with QSignalBlocker(self.slider), QSignalBlocker(self.spin):
            self.slider.setValue(percent)
            self.spin.setValue(percent)
