"""Consent records: proof of consent, kept by consentkit itself (GDPR art. 7(1)).

- :mod:`.store`: the :class:`~.store.RecordStore` interface every backend implements, the row
  types, the portable schema, and :func:`~.store.open_store` (a path, ``sqlite:///``, or
  ``postgresql://``);
- :mod:`.signing`: keys derived from ``secret_key``, the per-record signature and the hash
  chain, and :func:`~.signing.verify_chain`;
- :mod:`.sql`: the store logic written once over DB-API (placeholders and the head lock are the
  only dialect differences); :mod:`.sqlite` is the embedded backend;
- :mod:`.spool`: the local spool file a record waits in while the store is down;
- :mod:`.recorder`: what the adapters call for each choice;
- :mod:`.stats`: consent statistics, computed without any identifier.
"""

from .store import ConsentRecordRow, RecordEntry, RecordStore, ShownText, open_store

__all__ = ["ConsentRecordRow", "RecordEntry", "RecordStore", "ShownText", "open_store"]
