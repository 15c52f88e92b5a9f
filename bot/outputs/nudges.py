"""The outbox keys of nonconforming output: the thread notes on the NC's card, the
authorisation requests to the approvers, and the decision told to the NC owner.

No reminders of its own: output on hold keeps the NC open, and the NC's nudges go on.
A key must never change once released, or queued messages are sent again.
"""

from bot.delivery.keys import Key

THREAD_POST = Key("out:{nc}:thread:{event}")
AUTHORISE_ALL = Key("disp:{decision}:")
AUTHORISE_REQUEST = Key("disp:{decision}:authorise:{approver}")
TOLD_DECISION = Key("disp:{decision}:told:{status}:{to}")
