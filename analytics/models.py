# Analytics reads the other apps' tables; it owns no tables of its own.
