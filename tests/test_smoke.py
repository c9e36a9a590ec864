from assistant.settings import Settings


def test_settings_reject_overlap_beyond_half_the_chunk() -> None:
    import pytest

    from assistant.errors import SettingsError

    with pytest.raises(SettingsError, match="chunk_overlap"):
        Settings(chunk_size=200, chunk_overlap=150)
