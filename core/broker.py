"""kombu's filesystem transport, made safe for several processes.

Upstream's `_put` creates the message file and then writes it, and `_get` takes any file
with the right name without a lock: a consumer can take a file that is still empty, fail to
parse it, and the worker stops with an "Unrecoverable error" (seen here under load). And when
the temporary folder sits on another filesystem, `shutil.move` copies, so two consumers could
both take one message.

Here a message is written under a name no consumer matches, then renamed into place
(`os.replace` is atomic); a consumer claims a file by renaming it into a folder on the same
filesystem, so exactly one consumer gets each message, whole. `config.celery` registers this
class for `filesystem://` URLs.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

WRITING_SUFFIX = ".writing"


class Channel(filesystem.Channel):
    @property
    def claimed_folder(self) -> Path:
        folder = Path(self.data_folder_in).parent / "claimed"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000):015d}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + WRITING_SUFFIX  # "<queue>.msg.writing": no consumer matches it
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = self.claimed_folder / f"{os.getpid()}-{name}"
            try:
                os.replace(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another consumer took it first
            try:
                payload = claimed.read_bytes()
            finally:
                claimed.unlink(missing_ok=True)
            return loads(bytes_to_str(payload))
        raise filesystem.Empty()


class Transport(filesystem.Transport):
    Channel = Channel
