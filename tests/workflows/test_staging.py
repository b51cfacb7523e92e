"""Files kept in the session between the upload and the confirmation: bounded in number and
in time, and only in the session that chose them."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from workflows import staging


def test_a_kept_file_comes_back_as_it_was_uploaded():
    session: dict = {}
    kept = staging.keep(session, SimpleUploadedFile("s.csv", b"month;income\r\n"))

    again = staging.get(session, kept.id)

    assert again == kept
    assert again.as_file().read() == b"month;income\r\n"
    assert staging.get({}, kept.id) is None  # another session
    assert staging.get(session, "not-an-id") is None


def test_at_most_two_files_are_kept_the_oldest_goes_first(time_machine):
    session: dict = {}
    time_machine.move_to(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False)
    first = staging.keep(session, SimpleUploadedFile("1.csv", b"1"))
    time_machine.shift(1)
    second = staging.keep(session, SimpleUploadedFile("2.csv", b"2"))
    time_machine.shift(1)
    third = staging.keep(session, SimpleUploadedFile("3.csv", b"3"))

    assert staging.get(session, first.id) is None
    assert staging.get(session, second.id) == second
    assert staging.get(session, third.id) == third
    staging.discard(session, [second])
    assert list(session[staging.SESSION_KEY]) == [third.id]


def test_a_kept_file_expires(time_machine, settings):
    settings.WORKFLOWS_STAGED_UPLOAD_TTL = 60
    session: dict = {}
    time_machine.move_to(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False)
    kept = staging.keep(session, SimpleUploadedFile("s.csv", b"x"))

    time_machine.shift(61)

    assert staging.get(session, kept.id) is None
