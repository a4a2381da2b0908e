"""Live delivery: after a commit, tell the receiver's open sockets which notifications are new.

The channel layer carries only ids: each socket reads the rows itself (`selectors.notifications_by_ids`),
so what it sends is decided at read time, and a change that rolled back never reaches anyone (the
push runs in `on_commit`). A push that fails (the layer is down) loses nothing: the rows are in the
database and a socket that reconnects with the last id it saw gets them (`notifications_since`).
"""

import asyncio
import logging
from collections.abc import Iterable
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

NEW = "notifications.new"  # {"ids": [...]}: read these rows and send them, then the unread count
COUNT = "notifications.count"  # the unread count changed (read, read-all): send it


def user_group(user_id) -> str:
    """The channel-layer group of one user's open sockets."""
    return f"notifications.{getattr(user_id, 'hex', str(user_id).replace('-', ''))}"


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


def _send(messages: list[tuple[str, dict]]) -> None:
    if not messages:
        return
    try:
        async_to_sync(_send_all)(messages)
    except Exception:  # the rows are stored; a reconnecting socket replays them
        logger.warning("notifications: live push failed", exc_info=True)


def push_new_on_commit(rows: Iterable[tuple]) -> None:
    """After this transaction commits, push `(user_id, notification_id)` pairs to their users' sockets."""
    by_user: dict[str, list[str]] = {}
    for user_id, notification_id in rows:
        by_user.setdefault(str(user_id), []).append(str(notification_id))
    if by_user:
        messages = [(user_group(user_id), {"type": NEW, "ids": ids}) for user_id, ids in by_user.items()]
        transaction.on_commit(partial(_send, messages))


def push_count_on_commit(*, user_id) -> None:
    """After commit, make the user's sockets send their unread count again (it went down)."""
    transaction.on_commit(partial(_send, [(user_group(user_id), {"type": COUNT})]))
