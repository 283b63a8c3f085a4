"""A line edit for comma-separated tags, completing the tag being typed."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget


class TagEdit(QLineEdit):
    def __init__(self, suggestions: list[str], placeholder: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self._completer = QCompleter(QStringListModel(sorted(suggestions)), self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setWidget(self)
        self._completer.activated.connect(self._insert_completion)
        self.textEdited.connect(self._on_text_edited)

    def tags(self) -> list[str]:
        return [t.strip() for t in self.text().split(",") if t.strip()]

    def set_tags(self, tags: list[str]) -> None:
        """Show `tags` from their start (the first tag, not the end of a long list)."""
        self.setText(", ".join(tags))
        self.setCursorPosition(0)

    def _current_prefix(self) -> str:
        return self.text()[: self.cursorPosition()].rsplit(",", 1)[-1].strip()

    def _on_text_edited(self, _text: str) -> None:
        prefix = self._current_prefix()
        if len(prefix) < 1:
            self._completer.popup().hide()
            return
        self._completer.setCompletionPrefix(prefix)
        if self._completer.completionCount():
            self._completer.complete()

    def _insert_completion(self, completion: str) -> None:
        head = self.text()[: self.cursorPosition()]
        tail = self.text()[self.cursorPosition():]
        kept = head.rsplit(",", 1)[0] + ", " if "," in head else ""
        self.setText(f"{kept}{completion}, {tail.lstrip(', ')}".rstrip())
        self.editingFinished.emit()


GENRES = ["ambient", "blues", "bossa nova", "classical", "country", "drum and bass", "dub",
          "electronic", "folk", "funk", "gospel", "hip hop", "house", "indie pop", "jazz",
          "lo-fi", "metal", "pop", "punk", "r&b", "reggae", "rock", "sea shanty", "soul",
          "synthwave", "techno", "trap", "world"]
INSTRUMENTS = ["acoustic guitar", "electric guitar", "bass", "upright bass", "drums",
               "808", "piano", "rhodes", "organ", "synth pad", "synth lead", "strings",
               "violin", "cello", "brass", "saxophone", "trumpet", "flute", "accordion",
               "choir", "female vocals", "male vocals", "harmonica", "banjo", "percussion"]
MOODS = ["calm", "dark", "dreamy", "energetic", "epic", "happy", "melancholic", "nostalgic",
         "playful", "romantic", "sad", "tense", "uplifting", "warm", "wistful"]
