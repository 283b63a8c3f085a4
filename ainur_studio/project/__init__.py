"""Project documents (``*.ainur``): versioned JSON with migrations, atomic saves with one
backup, and Qt-free autosave and crash recovery. Pure Python, so the UI may import it."""

from ainur_studio.project.autosave import (
    AUTOSAVE_SUFFIX,
    Autosave,
    autosave_dir,
    autosave_path_for,
    discard_autosave,
    find_recoverable_autosaves,
    load_autosave,
    user_data_dir,
    write_autosave,
)
from ainur_studio.project.document import (
    BACKUP_SUFFIX,
    EXTENSION,
    FORMAT_NAME,
    SCHEMA_VERSION,
    Project,
    ProjectError,
    backup_path_for,
    decode_project,
    load_project,
    load_project_or_backup,
    migrate,
    project_from_dict,
    project_to_bytes,
    project_to_dict,
    save_project,
)
from ainur_studio.project.schema import MIGRATIONS

__all__ = [
    "AUTOSAVE_SUFFIX", "BACKUP_SUFFIX", "EXTENSION", "FORMAT_NAME", "MIGRATIONS",
    "SCHEMA_VERSION", "Autosave", "Project", "ProjectError", "autosave_dir", "autosave_path_for",
    "backup_path_for", "decode_project", "discard_autosave", "find_recoverable_autosaves",
    "load_autosave", "load_project", "load_project_or_backup", "migrate", "project_from_dict",
    "project_to_bytes", "project_to_dict", "save_project", "user_data_dir", "write_autosave",
]
