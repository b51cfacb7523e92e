"""Damaged and random files never raise out of the parser: a sentence or a table, always."""

import io
import random

import pytest

from tests.workflows.corpus import GOOD_FILES
from tests.workflows.test_corpus import EXCEPTION_WORDS
from workflows import excel
from workflows.loader import load_all

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def spec():
    definition = {d.key: d for d in load_all()[0]}["customer_income_expenditure"]
    return excel.TableSpec.from_config(definition.steps["statement"].config)


@pytest.mark.parametrize("seed", range(100))
def test_damaged_files_give_sentences(seed, spec):
    rng = random.Random(seed)
    good = GOOD_FILES[sorted(GOOD_FILES)[seed % len(GOOD_FILES)]]
    content = bytearray(good.content)
    for _ in range(rng.randint(1, 20)):  # flip bytes anywhere (zip directory, XML, text)
        content[rng.randrange(len(content))] = rng.randrange(256)

    try:
        messages = excel.read_upload(
            name=good.name, size=len(content), file=io.BytesIO(bytes(content)), spec=spec
        ).errors
    except excel.UploadRejected as rejected:
        messages = [rejected.message]

    for message in messages:
        assert not EXCEPTION_WORDS.search(message), message


@pytest.mark.parametrize("seed", range(30))
def test_random_text_as_csv_gives_sentences(seed, spec):
    rng = random.Random(seed)
    alphabet = '0123456789,;\t|"()-.€$ abcJanFév\r\n' + "\x00\x1b"
    content = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5000))).encode()
    if seed % 3 == 0:
        content = b'"' + content * 40  # an unclosed quote over a long field

    try:
        messages = excel.read_upload(
            name="s.csv", size=len(content), file=io.BytesIO(content), spec=spec
        ).errors
    except excel.UploadRejected as rejected:
        messages = [rejected.message]

    assert messages
    for message in messages:
        assert not EXCEPTION_WORDS.search(message), message
