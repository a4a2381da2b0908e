"""The Redis broker transport of Celery/kombu, with one repair: a worker survives a broker restart.

With celery 5.7.0 / kombu 5.7.0 (the newest releases), when the broker connection breaks while a
task is received but not yet acknowledged (`CELERY_TASK_ACKS_LATE`), the consumer first
`collect()`s the connection — which drops the transport's link to its `Connection` — and then
closes it; closing the default channel restores the unacknowledged messages, builds a new Redis
pool from `self.connection.client`, finds `None` and raises `AttributeError: 'NoneType' object has
no attribute 'hostname'`, an "Unrecoverable error" that stops the worker (reproduced by
lemonnpie/tests/test_faults.py, a broker restarted under a running worker).

The channel here remembers its connection parameters while it has them, so that late restore
reaches Redis: restored when the broker is back, a connection error (which kombu ignores on close)
while it is down — the message then stays in Redis's unacked set and comes back after the
visibility timeout; the outbox makes a second copy harmless either way.
Selected by `CELERY_BROKER_TRANSPORT` in settings for `redis://` and `rediss://` brokers.
"""

from kombu.transport import redis


class Channel(redis.Channel):
    def _connparams(self, asynchronous=False):
        remembered = self.__dict__.setdefault("_remembered_connparams", {})
        if self.connection.client is None and asynchronous in remembered:
            return dict(remembered[asynchronous])
        params = super()._connparams(asynchronous=asynchronous)
        remembered[asynchronous] = dict(params)
        return params


class Transport(redis.Transport):
    Channel = Channel
