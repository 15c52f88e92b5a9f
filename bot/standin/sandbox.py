"""The whole bot on loopback: the real app over HTTP, a fake Slack, a throwaway database.

`qms-bot demo` and the tests both use it, so what the demo shows is what the tests check.
"""

from __future__ import annotations

import atexit
import secrets
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from bot.app import build_context, create_app
from bot.context import Context
from bot.delivery.nudges import NudgeSource
from bot.server import EVENTS_PATH, make_server, stop_server, wsgi_app
from bot.standin.fakeslack import FakeSlack
from bot.standin.simulate import Person, Simulator
from bot.workspace.clock import Clock, ManualClock
from bot.workspace.config import explicit_settings
from storage.db import Database
from storage.migrate import upgrade

ANNA = Person("U0ANNA0001", "anna")  # production operator, an employee
BEN = Person("U0BEN00001", "ben")  # warehouse, an employee
QUINN = Person("U0QUINN001", "quinn")  # the QMS manager
LENA = Person("U0LENA0001", "lena")  # managing director, a leader
QMS_CHANNEL = "C0QUALITY1"
PEOPLE = {
    ANNA: ("Anna Weber", "Europe/Berlin"),
    BEN: ("Ben Okafor", "Europe/London"),
    QUINN: ("Quinn Novak", "Europe/Berlin"),
    LENA: ("Lena Fischer", "Europe/Berlin"),
}


_template: dict[str, Path] = {}
_template_lock = threading.Lock()


def _migrated_sqlite() -> Path:
    """An SQLite file with every migration applied, made once per process."""
    with _template_lock:
        if "path" not in _template:
            folder = Path(tempfile.mkdtemp(prefix="qms-sandbox-template-"))
            database = Database(f"sqlite:///{folder / 'qms.db'}")
            upgrade(database.engine)
            database.dispose()
            _template["path"] = folder / "qms.db"
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return _template["path"]


class Sandbox:
    def __init__(
        self,
        *,
        clock: Clock | None = None,
        database_url: str | None = None,
        settings: dict[str, Any] | None = None,
        sources: list[NudgeSource] | None = None,
        process_before_response: bool = True,
        worker: str = "sandbox",
    ) -> None:
        self.clock = clock or ManualClock()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if database_url is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="qms-sandbox-")
            database_url = f"sqlite:///{Path(self._tmp.name) / 'qms.db'}"
        self.database_url = database_url
        self.overrides = settings or {}
        self.sources = sources
        self.process_before_response = process_before_response
        self.worker = worker
        self.fake = FakeSlack(self.clock)
        self.signing_secret = secrets.token_hex(16)

    def start(self) -> Sandbox:
        self.fake.start()
        for person, (real_name, tz) in PEOPLE.items():
            self.fake.add_user(person.id, person.name, real_name=real_name, tz=tz)
        self.fake.add_channel(QMS_CHANNEL, "quality", [QUINN.id, LENA.id])
        values = {
            "slack_bot_token": "xoxb-sandbox-token",
            "slack_signing_secret": self.signing_secret,
            "slack_api_url": self.fake.api_url,
            "database_url": self.database_url,
            "managers": [QUINN.id],
            "leaders": [LENA.id],
            "channel": QMS_CHANNEL,
            "timezone": "Europe/Berlin",
            **self.overrides,
        }
        self.settings = explicit_settings(**values)
        if self._tmp is not None:
            # A throwaway SQLite file starts as a copy of one migrated in this process: the
            # same schema, without running every migration again for each sandbox.
            shutil.copyfile(_migrated_sqlite(), Path(self._tmp.name) / "qms.db")
        self.db = Database(self.settings.database_url)
        if self._tmp is None:
            upgrade(self.db.engine)
        self.ctx: Context = build_context(
            self.settings, clock=self.clock, db=self.db, worker=self.worker, sources=self.sources
        )
        self.app = create_app(self.ctx, process_before_response=self.process_before_response)
        self.server = make_server(wsgi_app(self.app, self.db, self.signing_secret), "127.0.0.1", 0, threads=4)
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name="qms-http", daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.slack = Simulator(self.url + EVENTS_PATH, self.signing_secret, self.fake)
        return self

    def _serve(self) -> None:
        try:
            self.server.run()
        except OSError:
            # close() from another thread pulls the socket out from under select(): expected on stop.
            if not self._stopping:
                raise

    def stop(self) -> None:
        self._stopping = True
        self.slack.close()
        stop_server(self.server)
        self._thread.join(timeout=5)
        self.ctx.later_trail.close()
        self.fake.stop()
        self.db.dispose()
        if self._tmp is not None:
            self._tmp.cleanup()

    # --- what people see and press ---

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """A message as it stands now in the fake Slack (after any chat.update)."""
        return next(m for m in self.fake.sent_messages(channel) if m["ts"] == ts)

    @staticmethod
    def buttons(message: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
        """Button label -> (action_id, value, block_id) on a message."""
        found = {}
        for block in message.get("blocks") or []:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("type") == "button":
                    found[element["text"]["text"]] = (element["action_id"], element["value"], block["block_id"])
        return found

    def press(self, person: Person, message: dict[str, Any], label: str) -> Any:
        """Click the button labelled `label` on `message`, as `person`."""
        action_id, value, block_id = self.buttons(message)[label]
        return self.slack.click(person, action_id, value, message=message, block_id=block_id)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
