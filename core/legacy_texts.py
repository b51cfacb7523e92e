"""Rewrite failure texts stored before people were shown sentences (used by data migrations).

Until then, an external system's failure reached pages, the API and the audit trail as its
technical detail: "judicial archives could not be reached (GET http://archives.internal/api/
archives/records?national_id=185077... answered 503)". The data migrations of each app call
these functions to turn such stored texts into the sentences the code now writes ("the
judicial archives did not answer (HTTP 503)"). They recognise only the old formats and leave
anything else as it is, so running them twice changes nothing.

Frozen on purpose: migrations depend on this behaviour; new code builds its sentences with
`core.http.ExternalServiceError.public_message`.
"""

from __future__ import annotations

import re

_STATUS = re.compile(r"\banswered (\d{3})(?=:|$)")


def failure_sentence(system: str, detail: str) -> str:
    """The sentence for an old technical `detail` of a failure of `system` ("the bank")."""
    detail = detail.strip()
    status = _STATUS.search(detail)
    if status:
        code = int(status.group(1))
        if code == 429:
            return f"{system} asked us to slow down (HTTP 429)"
        if code >= 500:
            return f"{system} did not answer (HTTP {code})"
        return f"{system} refused the request (HTTP {code})"
    if " timed out" in detail:
        return f"{system} did not answer in time"
    if " failed: " in detail:
        return f"{system} could not be reached"
    return f"{system} gave an answer we could not read"


def _balanced_end(text: str, opening: int) -> int:
    """Index just after the parenthesis that closes `text[opening]`, or len(text)."""
    depth = 0
    for index in range(opening, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def replace_wrapped(text: str, marker: re.Pattern[str], sentence) -> str:
    """Replace every `marker` match followed by a parenthesised detail: `sentence(match,
    detail)` gives the replacement. The detail may itself hold parentheses (exception reprs),
    so the closing one is found by counting; an unclosed one runs to the end of the text
    (better to lose the rest than to keep personal data)."""
    out, position = [], 0
    while match := marker.search(text, position):
        opening = match.end() - 1  # the marker ends with "("
        end = _balanced_end(text, opening)
        detail = text[opening + 1 : end - 1] if text[end - 1 : end] == ")" else text[opening + 1 :]
        out.append(text[position : match.start()])
        out.append(sentence(match, detail))
        position = end
    out.append(text[position:])
    return "".join(out)
