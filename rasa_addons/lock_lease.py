"""A conversation's lock is held for as long as its turn runs, and a dead replica's for at most one lease.

Rasa 3.6 serves each conversation's turns one at a time with a ticket lock (in Redis when several Rasa
replicas share a conversation). Two flaws let two turns of one conversation run at once:

- A ticket lives ``TICKET_LOCK_LIFETIME`` seconds from when it was *issued*, time spent waiting in the queue
  included. A turn that waited behind a killed replica's ticket (up to a whole lifetime) was served with
  a second or two of life left; it expired while the turn ran and the customer's next message was served
  beside it. Two writers on one conversation lost a customer message (bench/faults.py).
- ``RedisLockStore`` reads the lock, changes it and writes it back, so two replicas issuing, cleaning up or
  pruning at the same moment overwrite each other's tickets.

Here every ticket is a lease renewed every third of its lifetime for as long as its request is alive
(waiting or served), so a live turn never loses its place, and a replica killed mid-turn blocks its
conversations only until its last renewal runs out. Every change to a Redis lock is a WATCH/MULTI
transaction. Installed by ``python -m rasa_addons.serve``.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import AsyncGenerator, Callable, Optional, Text, TypeVar

import rasa.core.lock_store as rasa_lock_store
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore, RedisLockStore

logger = logging.getLogger(__name__)

RENEWALS_PER_LIFETIME = 3  # a lease survives two missed renewals (a busy event loop) before it lapses
_INSTALLED_MARK = "_heard_lock_lease"

T = TypeVar("T")


def _extend(lock: TicketLock, ticket_number: int, lifetime: float) -> bool:
    for ticket in lock.tickets:
        if ticket.number == ticket_number:
            ticket.expires = max(ticket.expires, time.time() + lifetime)
            return True
    return False


def _drop(lock: TicketLock, ticket_number: int) -> None:
    lock.remove_ticket_for(ticket_number)
    lock.remove_expired_tickets()


def _change_in_redis(store: RedisLockStore, conversation_id: Text, change: Callable[[TicketLock], T]) -> T:
    """Reads, changes and writes one lock atomically (retried when another replica changed it meanwhile)."""
    import redis

    key = store.key_prefix + conversation_id
    with store.red.pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                raw = pipe.get(key)
                lock = TicketLock.from_dict(json.loads(raw)) if raw else store.create_lock(conversation_id)
                result = change(lock)
                pipe.multi()
                if lock.tickets:
                    pipe.set(key, lock.dumps())
                else:
                    pipe.delete(key)
                pipe.execute()
                return result
            except redis.WatchError:
                continue


def _change_in_memory(store: LockStore, conversation_id: Text, change: Callable[[TicketLock], T]) -> T:
    """The same for a lock store inside one process (one event loop: nothing runs between read and write)."""
    lock = store.get_or_create_lock(conversation_id)
    result = change(lock)
    if lock.tickets:
        store.save_lock(lock)
    elif store.get_lock(conversation_id) is not None:
        store.delete_lock(conversation_id)
    return result


def change_lock(store: LockStore, conversation_id: Text, change: Callable[[TicketLock], T]) -> T:
    if isinstance(store, RedisLockStore):
        return _change_in_redis(store, conversation_id, change)
    return _change_in_memory(store, conversation_id, change)


def issue_ticket(self: LockStore, conversation_id: Text, lock_lifetime: float = rasa_lock_store.LOCK_LIFETIME) -> int:
    try:
        return change_lock(self, conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
    except Exception as error:
        raise LockError(f"Error while acquiring lock. Error:\n{error}") from error


def update_lock(self: LockStore, conversation_id: Text) -> None:
    change_lock(self, conversation_id, lambda lock: lock.remove_expired_tickets())


def cleanup(self: LockStore, conversation_id: Text, ticket_number: int) -> None:
    change_lock(self, conversation_id, lambda lock: _drop(lock, ticket_number))


def renew_ticket(store: LockStore, conversation_id: Text, ticket_number: int, lifetime: float) -> bool:
    """Moves a live ticket's expiry to ``lifetime`` from now; False when it had already lapsed."""
    return change_lock(store, conversation_id, lambda lock: _extend(lock, ticket_number, lifetime))


async def _keep_renewed(store: LockStore, conversation_id: Text, ticket_number: int, lifetime: float) -> None:
    while True:
        await asyncio.sleep(lifetime / RENEWALS_PER_LIFETIME)
        try:
            if not renew_ticket(store, conversation_id, ticket_number, lifetime):
                logger.warning("conversation %s: lock ticket %d lapsed before it was renewed",
                               conversation_id, ticket_number)
                return
        except Exception:  # Redis away for a moment: the next renewal may still make it
            logger.warning("conversation %s: renewing lock ticket %d failed", conversation_id, ticket_number,
                           exc_info=True)


@contextlib.asynccontextmanager
async def lock(self: LockStore, conversation_id: Text, lock_lifetime: Optional[float] = None,
               wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
    lifetime = lock_lifetime or rasa_lock_store.LOCK_LIFETIME
    ticket = self.issue_ticket(conversation_id, lifetime)
    renewing = asyncio.ensure_future(_keep_renewed(self, conversation_id, ticket, lifetime))
    try:
        yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
    finally:
        renewing.cancel()
        self.cleanup(conversation_id, ticket)


def install() -> bool:
    """Leases and atomic changes for every Rasa lock store; False when already installed."""
    if getattr(LockStore.lock, _INSTALLED_MARK, False):
        return False
    setattr(lock, _INSTALLED_MARK, True)
    LockStore.lock = lock  # type: ignore[method-assign]
    LockStore.issue_ticket = issue_ticket  # type: ignore[method-assign]
    LockStore.update_lock = update_lock  # type: ignore[method-assign]
    LockStore.cleanup = cleanup  # type: ignore[method-assign]
    logger.info("conversation locks are leases of %s s, renewed while their turn runs", rasa_lock_store.LOCK_LIFETIME)
    return True
