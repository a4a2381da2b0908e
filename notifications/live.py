"""Live delivery: after a commit, tell the receiver's open sockets which notifications are new.

The channel layer carries only ids: each socket reads the rows itself (`selectors.notifications_by_ids`),
so what it sends is decided at read time, and a change that rolled back never reaches anyone (the
push runs in `on_commit`). A push that fails (the layer is down) loses nothing: the rows are in the
database and a socket that reconnects with the last id it saw gets them (`notifications_since`).
Users with no open socket anywhere (the connection registry) are skipped: a fan-out to 5,000
followers sends only to those online.
"""

import asyncio
import logging
import uuid
from collections.abc import Iterable
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from notifications.connections import online_user_ids

logger = logging.getLogger(__name__)

NEW = "notifications.new"  # {"ids": [...]}: read these rows and send them, then the unread count
COUNT = "notifications.count"  # the unread count changed (read, read-all): send it


def _user_key(user_id) -> str:
    return str(uuid.UUID(str(user_id)))


def user_group(user_id) -> str:
    """The channel-layer group of one user's open sockets."""
    return f"notifications.{uuid.UUID(str(user_id)).hex}"


PARALLEL_SENDS = 32  # redis-py's pool has 100 connections and refuses (not waits) past them


async def _send_all(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    slots = asyncio.Semaphore(PARALLEL_SENDS)

    async def send(group: str, message: dict):
        async with slots:
            await layer.group_send(group, message)

    results = await asyncio.gather(*(send(group, message) for group, message in messages), return_exceptions=True)
    failed = [result for result in results if isinstance(result, BaseException)]
    if failed:
        logger.warning("notifications: %s of %s live pushes failed: %r", len(failed), len(messages), failed[0])


def _send(messages: dict[str, dict]) -> None:
    """Send `{user_id: message}` to the users' groups, skipping users with no open socket."""
    online = online_user_ids(list(messages))
    batch = [
        (user_group(user_id), message) for user_id, message in messages.items() if online is None or user_id in online
    ]
    if not batch:
        return
    try:
        async_to_sync(_send_all)(batch)
    except Exception:  # the rows are stored; a reconnecting socket replays them
        logger.warning("notifications: live push failed", exc_info=True)


def push_new_on_commit(rows: Iterable[tuple]) -> None:
    """After this transaction commits, push `(user_id, notification_id)` pairs to their users' sockets."""
    by_user: dict[str, list[str]] = {}
    for user_id, notification_id in rows:
        by_user.setdefault(_user_key(user_id), []).append(str(notification_id))
    if by_user:
        messages = {user_id: {"type": NEW, "ids": ids} for user_id, ids in by_user.items()}
        transaction.on_commit(partial(_send, messages))


def push_count_on_commit(*, user_id) -> None:
    """After commit, make the user's sockets send their unread count again (it went down)."""
    transaction.on_commit(partial(_send, {_user_key(user_id): {"type": COUNT}}))
